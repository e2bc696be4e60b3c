// The console's announcements (admins and organizers): a message to the citizens who
// subscribed, in their languages, to the recipients /broadcast offers, now or at a time; its
// progress followed, and stopped if need be.
"use strict";

addTexts({
  bg: {
    "announcements.tab": "Обяви",
    "announcements.title": "Обява до гражданите",
    "announcements.intro": "Съобщение от бота до абонираните граждани. Всеки получава текста на своя език, ако има такъв, иначе на {language}.",
    "announcements.scope": "Само до гражданите и събитията на община {municipality}.",
    "announcements.text": "Текст на {language}",
    "announcements.required": "(задължителен)",
    "announcements.optional": "(по избор)",
    "announcements.formatting": "Форматиране като в Telegram: <b>удебелен</b>, <i>наклонен</i>, <a href=\"https://…\">връзка</a>. Знаците < и & пишете като &lt; и &amp;.",
    "announcements.recipients": "Получатели",
    "announcements.all": "Всички абонати",
    "announcements.all_in": "Всички абонати в {name}",
    "announcements.municipality": "В {name}",
    "announcements.language": "Говорещите {language}",
    "announcements.registered": "Записаните за: {title}",
    "announcements.counting": "Броене на получателите…",
    "announcements.count": "Получатели: {total}",
    "announcements.noLanguage": "без избран език",
    "announcements.when": "Кога да се изпрати",
    "announcements.now": "Веднага",
    "announcements.later": "В определен час",
    "announcements.at": "Дата и час (по часа в {zone})",
    "announcements.startsSoon": "Изпращането започва до четвърт минута след натискането на бутона (или в избрания час).",
    "announcements.send": "Изпрати обявата",
    "announcements.sent": "Обява № {id} е приета; получатели: {total}. Изпращането започва до четвърт минута.",
    "announcements.latest": "Последни обяви",
    "announcements.none": "Още няма обяви.",
    "announcements.line": "№ {id} · {state} · {at}",
    "announcements.counts": "Изпратени {sent} от {total}; неполучени {failed}; блокирали бота {unreachable}; спрени {cancelled}.",
    "announcements.queued": "чака реда си",
    "announcements.sending": "изпраща се",
    "announcements.done": "изпратена",
    "announcements.cancelled": "спряна",
    "announcements.refresh": "Обнови",
    "announcements.stop": "Спри изпращането",
    "announcements.confirmStop": "Да, спри обява № {id}",
    "announcements.confirmHint": "Натиснете отново, за да потвърдите. Изпратеното остава изпратено.",
    "announcements.segment.all": "всички абонати",
    "announcements.segment.municipality": "община {value}",
    "announcements.segment.language": "език: {value}",
    "announcements.segment.event": "събитие {value}",
    "announcements.segment.registered": "записаните за събитие {value}",
    "announcements.segment.responded": "попълнилите анкета {value}",
    "announcements.lang.bg": "български",
    "announcements.lang.en": "английски",
    "announcements.lang.tr": "турски",
    "announcements.lang.ru": "руски",
    "announcements.error.html": "Текстът на {language} не може да се изпрати: {problem}.",
    "announcements.error.default_text": "Напишете текста на {language}: той е задължителен.",
    "announcements.error.nobody": "Няма кой да получи обявата. Изберете други получатели.",
    "announcements.error.in_the_past": "Избраният час е минал. Изберете по-късен или „Веднага“.",
    "announcements.error.bad_time": "Часът не е разпознат. Изберете го отново.",
    "announcements.error.not_found": "Този избор вече не се предлага (например събитието е минало). Изберете отново.",
    "announcements.error.finished": "Обявата вече е изпратена или спряна.",
    "announcements.error.not_allowed": "Обявите се изпращат от организаторите.",
    "announcements.error.malformed": "Напишете текста и изберете получатели.",
  },
  en: {
    "announcements.tab": "Announcements",
    "announcements.title": "Announcement to citizens",
    "announcements.intro": "A message from the bot to the citizens who subscribed. Each gets the text in their language when there is one, else in {language}.",
    "announcements.scope": "Only to the citizens and events of {municipality}.",
    "announcements.text": "Text in {language}",
    "announcements.required": "(required)",
    "announcements.optional": "(optional)",
    "announcements.formatting": "Formatting as in Telegram: <b>bold</b>, <i>italic</i>, <a href=\"https://…\">link</a>. Write < and & as &lt; and &amp;.",
    "announcements.recipients": "Recipients",
    "announcements.all": "All subscribers",
    "announcements.all_in": "All subscribers in {name}",
    "announcements.municipality": "In {name}",
    "announcements.language": "Speaking {language}",
    "announcements.registered": "Registered for: {title}",
    "announcements.counting": "Counting the recipients…",
    "announcements.count": "Recipients: {total}",
    "announcements.noLanguage": "no language chosen",
    "announcements.when": "When to send it",
    "announcements.now": "Now",
    "announcements.later": "At a time",
    "announcements.at": "Date and time ({zone} time)",
    "announcements.startsSoon": "Sending starts within a quarter of a minute of pressing the button (or at the time chosen).",
    "announcements.send": "Send the announcement",
    "announcements.sent": "Announcement {id} is queued; recipients: {total}. Sending starts within a quarter of a minute.",
    "announcements.latest": "Latest announcements",
    "announcements.none": "No announcements yet.",
    "announcements.line": "No. {id} · {state} · {at}",
    "announcements.counts": "Sent {sent} of {total}; not delivered {failed}; blocked the bot {unreachable}; stopped {cancelled}.",
    "announcements.queued": "waiting its turn",
    "announcements.sending": "being sent",
    "announcements.done": "sent",
    "announcements.cancelled": "stopped",
    "announcements.refresh": "Refresh",
    "announcements.stop": "Stop sending",
    "announcements.confirmStop": "Yes, stop announcement {id}",
    "announcements.confirmHint": "Press again to confirm. What was sent stays sent.",
    "announcements.segment.all": "all subscribers",
    "announcements.segment.municipality": "municipality {value}",
    "announcements.segment.language": "language: {value}",
    "announcements.segment.event": "event {value}",
    "announcements.segment.registered": "registered for event {value}",
    "announcements.segment.responded": "answered form {value}",
    "announcements.lang.bg": "Bulgarian",
    "announcements.lang.en": "English",
    "announcements.lang.tr": "Turkish",
    "announcements.lang.ru": "Russian",
    "announcements.error.html": "The text in {language} cannot be sent: {problem}.",
    "announcements.error.default_text": "Write the text in {language}: it is required.",
    "announcements.error.nobody": "Nobody would get the announcement. Choose other recipients.",
    "announcements.error.in_the_past": "The time chosen has passed. Choose a later one, or “Now”.",
    "announcements.error.bad_time": "The time was not understood. Choose it again.",
    "announcements.error.not_found": "This choice is no longer offered (the event may be over). Choose again.",
    "announcements.error.finished": "The announcement is already sent or stopped.",
    "announcements.error.not_allowed": "Announcements are sent by organizers.",
    "announcements.error.malformed": "Write the text and choose the recipients.",
  },
  tr: {
    "announcements.tab": "Duyurular",
    "announcements.title": "Vatandaşlara duyuru",
    "announcements.intro": "Bottan abone vatandaşlara bir mesaj. Herkes metni, varsa kendi dilinde, yoksa {language} alır.",
    "announcements.scope": "Yalnızca {municipality} vatandaşlarına ve etkinliklerine.",
    "announcements.text": "Metin ({language})",
    "announcements.required": "(zorunlu)",
    "announcements.optional": "(isteğe bağlı)",
    "announcements.formatting": "Telegram'daki gibi biçim: <b>kalın</b>, <i>italik</i>, <a href=\"https://…\">bağlantı</a>. < ve & işaretlerini &lt; ve &amp; olarak yazın.",
    "announcements.recipients": "Alıcılar",
    "announcements.all": "Tüm aboneler",
    "announcements.all_in": "{name} içindeki tüm aboneler",
    "announcements.municipality": "{name} içinde",
    "announcements.language": "{language} konuşanlar",
    "announcements.registered": "Kayıtlı olanlar: {title}",
    "announcements.counting": "Alıcılar sayılıyor…",
    "announcements.count": "Alıcılar: {total}",
    "announcements.noLanguage": "dil seçilmemiş",
    "announcements.when": "Ne zaman gönderilsin",
    "announcements.now": "Hemen",
    "announcements.later": "Belirli bir saatte",
    "announcements.at": "Tarih ve saat ({zone} saati)",
    "announcements.startsSoon": "Gönderim, düğmeye bastıktan (veya seçilen saatten) sonra on beş saniye içinde başlar.",
    "announcements.send": "Duyuruyu gönder",
    "announcements.sent": "{id} numaralı duyuru sıraya alındı; alıcılar: {total}. Gönderim on beş saniye içinde başlar.",
    "announcements.latest": "Son duyurular",
    "announcements.none": "Henüz duyuru yok.",
    "announcements.line": "No. {id} · {state} · {at}",
    "announcements.counts": "Gönderilen {sent} / {total}; ulaşmayan {failed}; botu engelleyen {unreachable}; durdurulan {cancelled}.",
    "announcements.queued": "sırasını bekliyor",
    "announcements.sending": "gönderiliyor",
    "announcements.done": "gönderildi",
    "announcements.cancelled": "durduruldu",
    "announcements.refresh": "Yenile",
    "announcements.stop": "Gönderimi durdur",
    "announcements.confirmStop": "Evet, {id} numaralı duyuruyu durdur",
    "announcements.confirmHint": "Onaylamak için tekrar basın. Gönderilenler gönderilmiş kalır.",
    "announcements.segment.all": "tüm aboneler",
    "announcements.segment.municipality": "belediye {value}",
    "announcements.segment.language": "dil: {value}",
    "announcements.segment.event": "etkinlik {value}",
    "announcements.segment.registered": "{value} etkinliğine kayıtlı olanlar",
    "announcements.segment.responded": "{value} anketini yanıtlayanlar",
    "announcements.lang.bg": "Bulgarca",
    "announcements.lang.en": "İngilizce",
    "announcements.lang.tr": "Türkçe",
    "announcements.lang.ru": "Rusça",
    "announcements.error.html": "{language} metin gönderilemez: {problem}.",
    "announcements.error.default_text": "{language} metni yazın: zorunludur.",
    "announcements.error.nobody": "Duyuruyu alacak kimse yok. Başka alıcılar seçin.",
    "announcements.error.in_the_past": "Seçilen saat geçti. Daha sonraki bir saat veya “Hemen” seçin.",
    "announcements.error.bad_time": "Saat anlaşılamadı. Yeniden seçin.",
    "announcements.error.not_found": "Bu seçim artık sunulmuyor (etkinlik bitmiş olabilir). Yeniden seçin.",
    "announcements.error.finished": "Duyuru zaten gönderildi veya durduruldu.",
    "announcements.error.not_allowed": "Duyuruları organizatörler gönderir.",
    "announcements.error.malformed": "Metni yazıp alıcıları seçin.",
  },
});

const FOLLOW_EVERY = 5000; // ms between two looks at an announcement being sent

function announcementProblem(failure) {
  const code = failure.message;
  const own = `announcements.error.${code}`;
  const values = { ...failure.details };
  if (values.language) {
    values.language = languageName(values.language);
  }
  return text(own in TEXTS.en ? own : code in TEXTS.en ? code : "failed", values);
}

async function announcementCall(path, payload) {
  // As api(), keeping what a refusal says beside its code (the language and problem of a text).
  const options = { headers: { Authorization: `tma ${initData()}` }, cache: "no-store" };
  if (payload !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.method = "POST";
    options.body = JSON.stringify(payload);
  }
  const response = await fetch(`api/${path}`, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const { error, ...details } = body;
    const failure = new Error(error || "failed");
    failure.details = details;
    throw failure;
  }
  return body;
}

function languageName(code) {
  return code ? text(`announcements.lang.${code}`) : text("announcements.noLanguage");
}

function choiceLabel(choice) {
  const values = { name: choice.name, language: languageName(choice.name), title: choice.title };
  return text(`announcements.${choice.kind}`, values);
}

function segmentWords(segment) {
  return segment
    .split(";")
    .filter((part) => part.trim())
    .map((part) => {
      const [kind, value = ""] = part.split("=");
      const shown = kind.trim() === "language" ? languageName(value.trim()) : value.trim();
      return text(`announcements.segment.${kind.trim()}`, { value: shown });
    })
    .join(" · ");
}

function announcementField(id, label, control) {
  control.id = id;
  return node("p", { class: "field" }, node("label", { for: id }, label), control);
}

function announcementItem(announcement) {
  const item = node("li", {});
  const draw = (current) => {
    const at = current.send_at.replace("T", " ");
    const state = text(`announcements.${current.state}`);
    const first = Object.values(current.texts)[0] || "";
    const parts = [
      text("announcements.line", { id: current.id, state, at }),
      node("span", { class: "details" }, segmentWords(current.segment)),
      node("span", { class: "details" }, text("announcements.counts", current)),
      node("span", { class: "details quote" }, first.length > 140 ? `${first.slice(0, 139)}…` : first),
    ];
    if (current.active) {
      parts.push(controls(current));
    }
    item.replaceChildren(...parts);
  };
  const refresh = async () => {
    try {
      draw(await announcementCall(`announcements/${announcement.id}`));
    } catch (failure) {
      item.append(node("p", { class: "error", role: "status" }, announcementProblem(failure)));
    }
  };
  const controls = (current) => {
    const result = node("p", { role: "status" });
    const again = node("button", { type: "button", class: "action" }, text("announcements.refresh"));
    again.addEventListener("click", refresh);
    const stop = node("button", { type: "button", class: "action" }, text("announcements.stop"));
    let armed = false;
    stop.addEventListener("click", async () => {
      if (!armed) {
        armed = true;
        stop.textContent = text("announcements.confirmStop", { id: current.id });
        result.textContent = text("announcements.confirmHint");
        return;
      }
      try {
        draw(await announcementCall(`announcements/${current.id}/stop`, {}));
      } catch (failure) {
        result.className = "error";
        result.textContent = announcementProblem(failure);
      }
    });
    return node("p", {}, again, " ", stop, result);
  };
  const follow = () => {
    // While it is being sent and on screen, its counts are looked at again every few seconds.
    setTimeout(async () => {
      if (!item.isConnected || !item.querySelector("button")) {
        return;
      }
      await refresh();
      follow();
    }, FOLLOW_EVERY);
  };
  draw(announcement);
  if (announcement.active) {
    follow();
  }
  return item;
}

function composer(page, onSent) {
  const texts = page.languages.map((language) => {
    const area = node("textarea", { rows: "6", maxlength: "8000" });
    const need = language === page.default_language ? "required" : "optional";
    const label = `${text("announcements.text", { language: languageName(language) })} ${text(`announcements.${need}`)}`;
    return { language, area, field: announcementField(`text-${language}`, label, area) };
  });
  const recipients = node(
    "select",
    {},
    ...page.choices.map((choice) => node("option", { value: choice.code }, choiceLabel(choice))),
  );
  const reach = node("p", { role: "status", "aria-live": "polite" });
  const count = async () => {
    reach.className = "";
    reach.textContent = text("announcements.counting");
    try {
      const found = await announcementCall(`announcements/audience?choice=${encodeURIComponent(recipients.value)}`);
      const parts = Object.entries(found.languages).map(([code, people]) => `${languageName(code)}: ${people}`);
      const total = text("announcements.count", { total: found.total });
      reach.textContent = parts.length ? `${total} (${parts.join(", ")})` : total;
    } catch (failure) {
      reach.className = "error";
      reach.textContent = announcementProblem(failure);
    }
  };
  recipients.addEventListener("change", count);
  const now = node("input", { type: "radio", name: "when", value: "now", id: "when-now" });
  const later = node("input", { type: "radio", name: "when", value: "later", id: "when-later" });
  now.checked = true;
  const at = node("input", { type: "datetime-local" });
  const status = node("p", { role: "status" });
  const form = node(
    "form",
    { class: "tool" },
    ...texts.map((entry) => entry.field),
    node("p", { class: "hint" }, text("announcements.formatting")),
    announcementField("recipients", text("announcements.recipients"), recipients),
    reach,
    node(
      "fieldset",
      {},
      node("legend", {}, text("announcements.when")),
      node("label", { for: "when-now" }, now, ` ${text("announcements.now")}`),
      node("label", { for: "when-later" }, later, ` ${text("announcements.later")}`),
      announcementField("send-at", text("announcements.at", { zone: page.zone }), at),
    ),
    node("p", { class: "hint" }, text("announcements.startsSoon")),
    node("button", { type: "submit" }, text("announcements.send")),
    status,
  );
  at.addEventListener("input", () => {
    later.checked = true;
  });
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const written = Object.fromEntries(texts.map((entry) => [entry.language, entry.area.value]));
    try {
      const queued = await announcementCall("announcements", {
        texts: written,
        choice: recipients.value,
        send_at: later.checked ? at.value : null,
      });
      onSent(queued);
    } catch (failure) {
      status.className = "error";
      status.textContent = announcementProblem(failure);
    }
  });
  count();
  return form;
}

function showAnnouncements(page, message) {
  const heading = [
    node("h2", {}, text("announcements.title")),
    node("p", {}, text("announcements.intro", { language: languageName(page.default_language) })),
  ];
  if (page.municipality) {
    heading.push(node("p", {}, text("announcements.scope", { municipality: page.municipality })));
  }
  const sent = node("p", { role: "status" }, message || "");
  const latest = page.announcements.length
    ? node("ul", { class: "items" }, ...page.announcements.map(announcementItem))
    : node("p", {}, text("announcements.none"));
  const reload = async (queued) => {
    const note = text("announcements.sent", { id: queued.id, total: queued.total });
    try {
      showAnnouncements(await announcementCall("announcements"), note);
    } catch (failure) {
      showError(failure.message);
    }
  };
  document.getElementById("main").replaceChildren(
    ...heading,
    sent,
    composer(page, reload),
    node("h2", {}, text("announcements.latest")),
    latest,
  );
}

addPage({
  label: "announcements.tab",
  roles: ["admin", "organizer"],
  path: "announcements",
  show: showAnnouncements,
});
