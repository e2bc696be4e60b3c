// The console's consultations: their proposals, the municipality's decision on each with its
// reasons, the report to download and to publish (admins and staff).
"use strict";

addTexts({
  bg: {
    proposalsTab: "Консултации",
    back: "← Всички консултации",
    consultationLine: "{proposals} предложения, {undecided} без решение · още {days} дни",
    published: "Справката е публикувана",
    proposal: "Предложение № {number}",
    accepted: "Приема се",
    partly: "Приема се частично",
    not_accepted: "Не се приема",
    reason: "Мотиви",
    save: "Запази решението",
    saved: "Решението е записано.",
    reasons_required: "Напишете мотивите: законът ги изисква, когато предложение не се приема (или се приема частично).",
    reasons_too_long: "Мотивите са твърде дълги; съкратете ги.",
    "report.title": "Справка",
    "report.format": "Формат",
    "report.docx": "DOCX – за довършване и подпис",
    "report.xlsx": "XLSX – таблица",
    "report.md": "Markdown – текст",
    "report.csv": "CSV – за Excel",
    "report.draft": "Чернова: и с предложения без решение",
    "report.download": "Изтегли справката",
    undecided: "Има предложения без решение: решете ги или изтеглете чернова.",
    "publish.title": "Публикуване на справката",
    "publish.chat": "Канал или група (по желание)",
    "publish.chatHint": "@име на канала или номерът на групата (-100…); ботът трябва да е администратор там. Празно: справката се отбелязва като публикувана без публикация в канал.",
    "publish.language": "Език на справката",
    "publish.ask": "Публикувай справката",
    "publish.question": "Да се публикува ли справката? Това не може да се отмени, а решенията вече не могат да се променят.",
    "publish.yes": "Да, публикувай",
    "publish.no": "Не",
    "publish.done": "Справката е публикувана. Ботът ще съобщи решенията на {count} граждани (на всеки само веднъж).",
    not_publishable: "Справката се публикува веднъж, след като консултацията е приключила и всички предложения имат решение.",
    bad_chat: "Напишете канала като @име или номера на групата (-100…).",
    bad_language: "Изберете един от предложените езици.",
    telegram_refused: "Telegram не прие публикацията. Проверете канала и че ботът е администратор в него.",
    no_bot: "Ботът не може да публикува оттук. Използвайте feedback-admin consultations publish.",
  },
  en: {
    proposalsTab: "Consultations",
    back: "← All consultations",
    consultationLine: "{proposals} proposals, {undecided} undecided · {days} days left",
    published: "The report is published",
    proposal: "Proposal No. {number}",
    accepted: "Accepted",
    partly: "Partly accepted",
    not_accepted: "Not accepted",
    reason: "Reasons",
    save: "Save the decision",
    saved: "The decision is saved.",
    reasons_required: "Write the reasons: the law asks for them when a proposal is not (or only partly) accepted.",
    reasons_too_long: "The reasons are too long; shorten them.",
    "report.title": "Report",
    "report.format": "Format",
    "report.docx": "DOCX – to finish and sign",
    "report.xlsx": "XLSX – a sheet",
    "report.md": "Markdown – text",
    "report.csv": "CSV – for Excel",
    "report.draft": "Draft: with proposals not yet decided",
    "report.download": "Download the report",
    undecided: "Some proposals have no decision: decide them or download a draft.",
    "publish.title": "Publish the report",
    "publish.chat": "Channel or group (optional)",
    "publish.chatHint": "@channel or the group's number (-100…); the bot must be an administrator there. Empty: the report is marked published without a channel post.",
    "publish.language": "Language of the report",
    "publish.ask": "Publish the report",
    "publish.question": "Publish the report? This cannot be undone, and the decisions can no longer change.",
    "publish.yes": "Yes, publish",
    "publish.no": "No",
    "publish.done": "The report is published. The bot will tell {count} citizens their decisions (each only once).",
    not_publishable: "The report is published once, after the consultation has closed and every proposal has a decision.",
    bad_chat: "Write the channel as @name or the group's number (-100…).",
    bad_language: "Choose one of the languages offered.",
    telegram_refused: "Telegram did not accept the post. Check the channel and that the bot is an administrator there.",
    no_bot: "The bot cannot post from here. Use feedback-admin consultations publish.",
  },
  tr: {
    proposalsTab: "İstişareler",
    back: "← Tüm istişareler",
    consultationLine: "{proposals} öneri, {undecided} karar bekliyor · {days} gün kaldı",
    published: "Rapor yayımlandı",
    proposal: "Öneri No. {number}",
    accepted: "Kabul edildi",
    partly: "Kısmen kabul edildi",
    not_accepted: "Kabul edilmedi",
    reason: "Gerekçe",
    save: "Kararı kaydet",
    saved: "Karar kaydedildi.",
    reasons_required: "Gerekçeyi yazın: öneri kabul edilmediğinde (veya kısmen kabul edildiğinde) yasa bunu ister.",
    reasons_too_long: "Gerekçe çok uzun; kısaltın.",
    "report.title": "Rapor",
    "report.format": "Biçim",
    "report.docx": "DOCX – tamamlamak ve imzalamak için",
    "report.xlsx": "XLSX – tablo",
    "report.md": "Markdown – metin",
    "report.csv": "CSV – Excel için",
    "report.draft": "Taslak: karar verilmemiş önerilerle birlikte",
    "report.download": "Raporu indir",
    undecided: "Kararı verilmemiş öneriler var: karar verin veya taslak indirin.",
    "publish.title": "Raporu yayımla",
    "publish.chat": "Kanal veya grup (isteğe bağlı)",
    "publish.chatHint": "@kanal adı veya grubun numarası (-100…); bot orada yönetici olmalı. Boş: rapor kanala gönderilmeden yayımlanmış sayılır.",
    "publish.language": "Raporun dili",
    "publish.ask": "Raporu yayımla",
    "publish.question": "Rapor yayımlansın mı? Bu geri alınamaz ve kararlar artık değiştirilemez.",
    "publish.yes": "Evet, yayımla",
    "publish.no": "Hayır",
    "publish.done": "Rapor yayımlandı. Bot {count} vatandaşa kararlarını bildirecek (her birine yalnızca bir kez).",
    not_publishable: "Rapor, istişare kapandıktan ve her önerinin kararı verildikten sonra bir kez yayımlanır.",
    bad_chat: "Kanalı @ad veya grubun numarası (-100…) olarak yazın.",
    bad_language: "Sunulan dillerden birini seçin.",
    telegram_refused: "Telegram gönderiyi kabul etmedi. Kanalı ve botun orada yönetici olduğunu kontrol edin.",
    no_bot: "Bot buradan yayımlayamaz. feedback-admin consultations publish kullanın.",
  },
});

function showConsultations(listing) {
  const items = listing.consultations.map((consultation) => {
    const open = node("button", { type: "button", class: "link" }, consultation.title);
    open.addEventListener("click", () =>
      load(showConsultation, `consultations/${encodeURIComponent(consultation.code)}`),
    );
    const line = consultation.published
      ? text("published")
      : text("consultationLine", {
          proposals: consultation.proposals,
          undecided: consultation.undecided,
          days: consultation.days_left,
        });
    return node("li", {}, open, node("span", { class: "details" }, line));
  });
  document.getElementById("main").replaceChildren(
    node("h2", {}, text("consultations")),
    items.length ? node("ul", { class: "items" }, ...items) : node("p", {}, text("noConsultations")),
  );
}

function decisionForm(consultation, proposal) {
  const form = node("form", { class: "decision" });
  const group = node("fieldset", {}, node("legend", {}, text("proposal", { number: proposal.number })));
  for (const choice of ["accepted", "partly", "not_accepted"]) {
    const id = `d${proposal.number}-${choice}`;
    const radio = node("input", { type: "radio", name: "decision", value: choice, id });
    radio.checked = proposal.decision === choice;
    radio.disabled = consultation.published;
    group.append(node("label", { for: id }, radio, ` ${text(choice)}`));
  }
  const reasonId = `r${proposal.number}`;
  const reason = node("textarea", { id: reasonId, rows: "3", maxlength: String(consultation.reason_limit) });
  reason.value = proposal.reason || "";
  reason.disabled = consultation.published;
  const result = node("p", { role: "status" });
  const save = node("button", { type: "submit" }, text("save"));
  save.disabled = consultation.published;
  form.append(group, node("label", { for: reasonId }, text("reason")), reason, save, result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[name=decision]:checked");
    const path = `consultations/${encodeURIComponent(consultation.code)}/proposals/${proposal.number}/decision`;
    try {
      await api(path, { decision: chosen ? chosen.value : null, reason: reason.value });
      result.className = "";
      result.textContent = text("saved");
    } catch (error) {
      result.className = "error";
      result.textContent = text(error.message in TEXTS.en ? error.message : "failed");
    }
  });
  return form;
}

function reportForm(consultation) {
  // The report as `feedback-admin consultations report` writes it, saved as console.js's
  // saveFile does (inside Telegram, through a download link).
  const form = node("form", { class: "tool report", "aria-labelledby": "report-title" });
  const format = node("select", { id: "report-format" });
  for (const choice of ["docx", "xlsx", "md", "csv"]) {
    format.append(node("option", { value: choice }, text(`report.${choice}`)));
  }
  const draft = node("input", { type: "checkbox", id: "report-draft" });
  const result = node("p", { role: "status" });
  form.append(
    node("h3", { id: "report-title" }, text("report.title")),
    node("div", { class: "field" }, node("label", { for: "report-format" }, text("report.format")), format),
    node("div", { class: "field check" }, draft, node("label", { for: "report-draft" }, text("report.draft"))),
    node("button", { type: "submit" }, text("report.download")),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const params = { code: consultation.code, format: format.value, draft: draft.checked ? "yes" : null };
    try {
      const saved = await saveFile("consultation-report", params, { path: "consultations/report", payload: params });
      result.className = "";
      result.textContent = savedText(saved);
    } catch (error) {
      result.className = "error";
      result.textContent = text(error.message in TEXTS.en ? error.message : "failed");
    }
  });
  return form;
}

function publishForm(consultation) {
  // As `feedback-admin consultations publish`: once, after a confirmation.
  const chat = node("input", {
    id: "publish-chat",
    type: "text",
    autocomplete: "off",
    maxlength: "100",
    "aria-describedby": "publish-chat-hint",
  });
  const written = node("select", { id: "publish-language" });
  for (const [code, name] of [["bg", "български"], ["en", "English"], ["tr", "Türkçe"]]) {
    written.append(node("option", { value: code, lang: code }, name));
  }
  written.value = ["bg", "en", "tr"].includes(language) ? language : "bg";
  const status = node("p", { role: "status" });
  const ask = node("button", { type: "submit" }, text("publish.ask"));
  const yes = node("button", { type: "button" }, text("publish.yes"));
  const no = node("button", { type: "button" }, text("publish.no"));
  const question = node("p", { id: "publish-question" }, text("publish.question"));
  const { group: confirm, show, back } = confirmStep(ask, question, yes, no);
  const form = node(
    "form",
    { class: "tool publish", "aria-labelledby": "publish-title" },
    node("h3", { id: "publish-title" }, text("publish.title")),
    node("div", { class: "field" }, node("label", { for: "publish-chat" }, text("publish.chat")), chat),
    node("p", { class: "hint", id: "publish-chat-hint" }, text("publish.chatHint")),
    node("div", { class: "field" }, node("label", { for: "publish-language" }, text("publish.language")), written),
    ask,
    confirm,
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  yes.addEventListener("click", async () => {
    yes.disabled = true; // one press, one publication
    const path = `consultations/${encodeURIComponent(consultation.code)}/publish`;
    try {
      const done = await api(path, { chat: chat.value.trim(), language: written.value });
      confirm.hidden = true;
      status.className = "";
      status.textContent = text("publish.done", { count: done.owed });
    } catch (error) {
      yes.disabled = false;
      back();
      status.className = "error";
      status.textContent = text(error.message in TEXTS.en ? error.message : "failed");
    }
  });
  return form;
}

function showConsultation(consultation) {
  const back = node("button", { type: "button", class: "link" }, text("back"));
  back.addEventListener("click", () => load(showConsultations, "consultations"));
  const proposals = consultation.proposals.map((proposal) =>
    node(
      "li",
      {},
      node("p", { class: "proposal" }, proposal.text),
      proposal.attachment ? node("span", { class: "details" }, proposal.attachment) : "",
      decisionForm(consultation, proposal),
    ),
  );
  document.getElementById("main").replaceChildren(
    back,
    node("h2", {}, consultation.title),
    consultation.published ? node("p", {}, text("published")) : "",
    node("ul", { class: "items" }, ...proposals),
    reportForm(consultation),
    consultation.published ? "" : publishForm(consultation),
  );
}

addPage({
  label: "proposalsTab",
  roles: ["admin", "staff"],
  path: "consultations",
  show: showConsultations,
});
