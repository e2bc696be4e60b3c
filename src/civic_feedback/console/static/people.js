// The console's People page (admins): who holds a role, giving and taking one, and the audit
// log of what staff did, the latest first.
"use strict";

addTexts({
  bg: {
    "people.tab": "Хора",
    "people.title": "Хора с роля",
    "people.intro": "Те отварят това табло от бота с /console. Гражданите нямат нужда от роля.",
    "people.admin": "Администратор",
    "people.organizer": "Организатор",
    "people.staff": "Служител",
    "people.adminDoes": "всичко, и дава роли",
    "people.organizerDoes": "обяви до гражданите, седмични обобщения",
    "people.staffDoes": "съобщения до общината, консултации, изтегляне на отговори",
    "people.everywhere": "всички общини",
    "people.granted": "Дадена от {by} на {at}",
    "people.fromSettings": "Администратор по настройките на бота (ADMIN_IDS): ролята се сменя или премахва само там.",
    "people.itIsYou": "Това сте вие. Вашата роля може да смени или премахне друг администратор.",
    "people.revoke": "Премахни ролята",
    "people.confirm": "Да, премахни ролята на {id}",
    "people.confirmHint": "Натиснете отново, за да потвърдите.",
    "people.revoked": "{id} вече няма роля.",
    "people.grantTitle": "Даване или смяна на роля",
    "people.telegramId": "Номер в Telegram",
    "people.telegramIdHint": "Човекът научава номера си, като пише на @userinfobot в Telegram.",
    "people.role": "Роля",
    "people.municipality": "Община",
    "people.grant": "Дай ролята",
    "people.grantedNow": "{id} вече е {role}. Нека отвори таблото с /console в бота.",
    "people.logTitle": "Дневник на действията",
    "people.logIntro": "Кой какво е направил: под псевдоним, без номер в Telegram. Най-новите са първи.",
    "people.wholeLog": "Дневникът обхваща всички общини и се показва на администраторите на всички общини.",
    "people.action": "Действие",
    "people.anyAction": "Всички действия",
    "people.period": "За периода",
    "people.days": "последните {days} дни",
    "people.always": "цялото време",
    "people.show": "Покажи",
    "people.empty": "Няма записи за този избор.",
    "people.you": "вие",
    "people.newer": "← По-нови",
    "people.older": "По-стари →",
    "people.page": "Страница {page}",
    "people.error.self": "Не можете да смените или премахнете собствената си роля. Помолете друг администратор.",
    "people.error.admin_ids": "Този човек е администратор по настройките на бота (ADMIN_IDS). Ролята му се сменя само там.",
    "people.error.not_a_telegram_id": "Въведете номера в Telegram: само цифри, например 123456789.",
    "people.error.unknown_municipality": "Изберете община от списъка.",
    "people.error.not_found": "Този човек няма роля, която можете да премахнете.",
    "people.error.not_allowed": "Ролите се дават от администраторите.",
    "people.error.malformed": "Изборът не е пълен. Попълнете номера и изберете роля.",
  },
  en: {
    "people.tab": "People",
    "people.title": "People with a role",
    "people.intro": "They open this console from the bot with /console. Citizens need no role.",
    "people.admin": "Admin",
    "people.organizer": "Organizer",
    "people.staff": "Staff",
    "people.adminDoes": "everything, and gives roles",
    "people.organizerDoes": "announcements to citizens, weekly summaries",
    "people.staffDoes": "messages to the municipality, consultations, downloading answers",
    "people.everywhere": "every municipality",
    "people.granted": "Given by {by} on {at}",
    "people.fromSettings": "Admin by the bot's settings (ADMIN_IDS): the role is changed or taken away only there.",
    "people.itIsYou": "This is you. Another admin can change or take away your role.",
    "people.revoke": "Take the role away",
    "people.confirm": "Yes, take {id}'s role away",
    "people.confirmHint": "Press again to confirm.",
    "people.revoked": "{id} has no role any more.",
    "people.grantTitle": "Give or change a role",
    "people.telegramId": "Telegram user id",
    "people.telegramIdHint": "The person finds their id by writing to @userinfobot in Telegram.",
    "people.role": "Role",
    "people.municipality": "Municipality",
    "people.grant": "Give the role",
    "people.grantedNow": "{id} is now {role}. Ask them to open the console with /console in the bot.",
    "people.logTitle": "Audit log",
    "people.logIntro": "Who did what: by pseudonym, never by Telegram id. The latest first.",
    "people.wholeLog": "The log covers every municipality and is shown to the admins of all municipalities.",
    "people.action": "Action",
    "people.anyAction": "Every action",
    "people.period": "Period",
    "people.days": "the last {days} days",
    "people.always": "all the time",
    "people.show": "Show",
    "people.empty": "No entries for this choice.",
    "people.you": "you",
    "people.newer": "← Newer",
    "people.older": "Older →",
    "people.page": "Page {page}",
    "people.error.self": "You cannot change or take away your own role. Ask another admin.",
    "people.error.admin_ids": "This person is an admin by the bot's settings (ADMIN_IDS). Their role is changed only there.",
    "people.error.not_a_telegram_id": "Enter the Telegram user id: digits only, e.g. 123456789.",
    "people.error.unknown_municipality": "Choose a municipality from the list.",
    "people.error.not_found": "This person has no role you can take away.",
    "people.error.not_allowed": "Roles are given by admins.",
    "people.error.malformed": "The choice is incomplete. Enter the id and choose a role.",
  },
  tr: {
    "people.tab": "Kişiler",
    "people.title": "Rolü olan kişiler",
    "people.intro": "Bu paneli bottan /console ile açarlar. Vatandaşların role ihtiyacı yoktur.",
    "people.admin": "Yönetici",
    "people.organizer": "Organizatör",
    "people.staff": "Personel",
    "people.adminDoes": "her şey, rol de verir",
    "people.organizerDoes": "vatandaşlara duyurular, haftalık özetler",
    "people.staffDoes": "belediyeye mesajlar, istişareler, yanıtları indirme",
    "people.everywhere": "tüm belediyeler",
    "people.granted": "{by} tarafından {at} tarihinde verildi",
    "people.fromSettings": "Botun ayarlarıyla yönetici (ADMIN_IDS): rol yalnızca orada değiştirilir veya kaldırılır.",
    "people.itIsYou": "Bu sizsiniz. Rolünüzü başka bir yönetici değiştirebilir veya kaldırabilir.",
    "people.revoke": "Rolü kaldır",
    "people.confirm": "Evet, {id} rolünü kaldır",
    "people.confirmHint": "Onaylamak için tekrar basın.",
    "people.revoked": "{id} artık bir role sahip değil.",
    "people.grantTitle": "Rol ver veya değiştir",
    "people.telegramId": "Telegram kullanıcı numarası",
    "people.telegramIdHint": "Kişi numarasını Telegram'da @userinfobot'a yazarak öğrenir.",
    "people.role": "Rol",
    "people.municipality": "Belediye",
    "people.grant": "Rolü ver",
    "people.grantedNow": "{id} artık {role}. Paneli botta /console ile açmasını isteyin.",
    "people.logTitle": "İşlem kaydı",
    "people.logIntro": "Kim ne yaptı: takma adla, Telegram numarasıyla asla. En yeniler önce.",
    "people.wholeLog": "Kayıt tüm belediyeleri kapsar ve tüm belediyelerin yöneticilerine gösterilir.",
    "people.action": "İşlem",
    "people.anyAction": "Tüm işlemler",
    "people.period": "Dönem",
    "people.days": "son {days} gün",
    "people.always": "tüm zamanlar",
    "people.show": "Göster",
    "people.empty": "Bu seçim için kayıt yok.",
    "people.you": "siz",
    "people.newer": "← Daha yeni",
    "people.older": "Daha eski →",
    "people.page": "Sayfa {page}",
    "people.error.self": "Kendi rolünüzü değiştiremez veya kaldıramazsınız. Başka bir yöneticiden isteyin.",
    "people.error.admin_ids": "Bu kişi botun ayarlarıyla yöneticidir (ADMIN_IDS). Rolü yalnızca orada değiştirilir.",
    "people.error.not_a_telegram_id": "Telegram kullanıcı numarasını girin: yalnızca rakamlar, ör. 123456789.",
    "people.error.unknown_municipality": "Listeden bir belediye seçin.",
    "people.error.not_found": "Bu kişinin kaldırabileceğiniz bir rolü yok.",
    "people.error.not_allowed": "Rolleri yöneticiler verir.",
    "people.error.malformed": "Seçim eksik. Numarayı girip bir rol seçin.",
  },
});

const LOG_PERIODS = ["7", "30", "90", "365", ""];

function peopleProblem(code) {
  const own = `people.error.${code}`;
  return text(own in TEXTS.en ? own : code in TEXTS.en ? code : "failed");
}

function personField(id, label, control) {
  control.id = id;
  return node("p", { class: "field" }, node("label", { for: id }, label), control);
}

function roleName(role) {
  return text(`people.${role}`);
}

function memberItem(member, people, onRevoked) {
  const where = member.municipality || text("people.everywhere");
  const item = node("li", {}, `${member.telegram_id} · ${roleName(member.role)} · ${where}`);
  if (member.fromSettings) {
    item.append(node("span", { class: "details" }, text("people.fromSettings")));
    return item;
  }
  const at = member.granted_at.replace("T", " ").slice(0, 16);
  item.append(node("span", { class: "details" }, text("people.granted", { by: member.granted_by, at })));
  if (member.telegram_id === people.you) {
    item.append(node("span", { class: "details" }, text("people.itIsYou")));
    return item;
  }
  const revoke = node("button", { type: "button", class: "action" }, text("people.revoke"));
  const result = node("p", { role: "status" });
  let armed = false;
  revoke.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      revoke.textContent = text("people.confirm", { id: member.telegram_id });
      result.textContent = text("people.confirmHint");
      return;
    }
    try {
      await api("people/revoke", { telegram_id: member.telegram_id });
      onRevoked(text("people.revoked", { id: member.telegram_id }));
    } catch (error) {
      result.className = "error";
      result.textContent = peopleProblem(error.message);
    }
  });
  item.append(revoke, result);
  return item;
}

function grantForm(people, onGranted) {
  const person = node("input", { type: "text", inputmode: "numeric", autocomplete: "off" });
  const roles = node(
    "fieldset",
    {},
    node("legend", {}, text("people.role")),
    ...people.roles.map((role, index) => {
      const id = `grant-role-${role}`;
      const radio = node("input", { type: "radio", name: "role", value: role, id });
      radio.checked = index === people.roles.length - 1;
      return node("label", { for: id }, radio, ` ${roleName(role)} – ${text(`people.${role}Does`)}`);
    }),
  );
  const places = people.every_municipality ? [["", text("people.everywhere")]] : [];
  const municipality = node(
    "select",
    {},
    ...places
      .concat(people.municipalities.map((name) => [name, name]))
      .map(([value, label]) => node("option", { value }, label)),
  );
  const status = node("p", { role: "status" });
  const form = node(
    "form",
    { class: "tool" },
    personField("grant-person", text("people.telegramId"), person),
    node("p", { class: "hint" }, text("people.telegramIdHint")),
    roles,
    personField("grant-municipality", text("people.municipality"), municipality),
    node("button", { type: "submit" }, text("people.grant")),
    status,
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const role = form.querySelector("input[name=role]:checked");
    try {
      const member = await api("people/grant", {
        telegram_id: person.value.trim(),
        role: role ? role.value : null,
        municipality: municipality.value || null,
      });
      onGranted(text("people.grantedNow", { id: member.telegram_id, role: roleName(member.role) }));
    } catch (error) {
      status.className = "error";
      status.textContent = peopleProblem(error.message);
    }
  });
  return form;
}

function auditEntry(entry, you) {
  const actor = entry.actor === you ? `${entry.actor} (${text("people.you")})` : entry.actor;
  const details = Object.entries(entry.details || {})
    .map(([name, value]) => `${name}: ${typeof value === "object" ? JSON.stringify(value) : value}`)
    .join(", ");
  return node(
    "li",
    {},
    `${entry.at.replace("T", " ").slice(0, 19)} · ${entry.action}`,
    node("span", { class: "details" }, [actor, entry.subject].filter(Boolean).join(" → ")),
    details ? node("span", { class: "details" }, details) : "",
  );
}

function auditSection(filters) {
  const section = node("section", { "aria-labelledby": "log-title" });
  const action = node("select", {});
  const period = node(
    "select",
    {},
    ...LOG_PERIODS.map((days) =>
      node("option", { value: days }, days ? text("people.days", { days }) : text("people.always")),
    ),
  );
  period.value = filters.days;
  const entries = node("div", { "aria-live": "polite" });
  const show = async (page) => {
    const query = new URLSearchParams({ action: action.value, days: period.value, page });
    try {
      const log = await api(`people/audit?${query}`);
      if (!action.options.length) {
        action.append(
          node("option", { value: "" }, text("people.anyAction")),
          ...log.actions.map((name) => node("option", { value: name }, name)),
        );
      }
      const paging = node("p", {}, text("people.page", { page: log.page }));
      if (log.page > 1) {
        const newer = node("button", { type: "button", class: "action" }, text("people.newer"));
        newer.addEventListener("click", () => show(log.page - 1));
        paging.prepend(newer, " ");
      }
      if (log.more) {
        const older = node("button", { type: "button", class: "action" }, text("people.older"));
        older.addEventListener("click", () => show(log.page + 1));
        paging.append(" ", older);
      }
      entries.replaceChildren(
        log.entries.length
          ? node("ul", { class: "items" }, ...log.entries.map((entry) => auditEntry(entry, log.you)))
          : node("p", {}, text("people.empty")),
        paging,
      );
    } catch (error) {
      const message = error.message === "whole_log_only" ? text("people.wholeLog") : peopleProblem(error.message);
      entries.replaceChildren(node("p", { role: "status" }, message));
    }
  };
  const form = node(
    "form",
    { class: "tool" },
    personField("log-action", text("people.action"), action),
    personField("log-period", text("people.period"), period),
    node("button", { type: "submit" }, text("people.show")),
  );
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    show(1);
  });
  section.append(
    node("h2", { id: "log-title" }, text("people.logTitle")),
    node("p", {}, text("people.logIntro")),
    form,
    entries,
  );
  show(1);
  return section;
}

async function refreshPeople(message) {
  try {
    showPeople(await api("people"), message);
  } catch (error) {
    showError(error.message);
  }
}

function showPeople(people, message) {
  const settingsAdmins = people.admin_ids.map((id) => ({
    telegram_id: id,
    role: "admin",
    municipality: null,
    fromSettings: true,
  }));
  const members = settingsAdmins
    .concat(people.members)
    .map((member) => memberItem(member, people, refreshPeople));
  const status = node("p", { role: "status" }, message || "");
  document.getElementById("main").replaceChildren(
    node("h2", {}, text("people.title")),
    node("p", {}, text("people.intro")),
    status,
    node("ul", { class: "items" }, ...members),
    node("h2", {}, text("people.grantTitle")),
    grantForm(people, refreshPeople),
    people.every_municipality ? auditSection({ days: "30" }) : node("p", {}, text("people.wholeLog")),
  );
}

addPage({ label: "people.tab", roles: ["admin"], path: "people", show: showPeople });
