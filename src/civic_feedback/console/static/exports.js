// The console's exports: the answers to a form (of one event, completed between two days) as a
// file for Excel or for scripts, as `feedback-admin export` writes it (admins and staff).
"use strict";

addTexts({
  bg: {
    "exports.tab": "Изтегляне",
    "exports.title": "Изтегляне на отговорите",
    "exports.intro": "Отговорите на една анкета като файл: по един ред за всеки попълнил. Хората са само под псевдоним, без номера си в Telegram.",
    "exports.scope": "Само отговорите от община {municipality}.",
    "exports.form": "Анкета",
    "exports.event": "Събитие (по избор)",
    "exports.allEvents": "Всички отговори на анкетата",
    "exports.period": "Попълнени между (по избор)",
    "exports.since": "От дата",
    "exports.until": "До дата (включително)",
    "exports.periodHint": "Дните са по часа в {zone}. Без дати се изтеглят всички отговори, и недовършените.",
    "exports.format": "Формат на файла",
    "exports.csv": "CSV – отваря се с Excel",
    "exports.xlsx": "XLSX – работна книга на Excel",
    "exports.json": "JSON – за програми",
    "exports.download": "Изтегли",
    "exports.working": "Файлът се подготвя…",
    "exports.done": "Готово: файлът {name} е изтеглен; отговори в него: {count}.",
    "exports.toTelegram": "Telegram ще попита къде да запази {name}.",
    "exports.noForms": "Още няма публикувани анкети.",
    "exports.error.not_found": "Няма такава анкета или събитие.",
    "exports.error.not_allowed": "Изтеглянето на отговори е за служителите на общината.",
    "exports.error.bad_day": "Датата не е разпозната. Изберете я от календара.",
    "exports.error.since_after_until": "Началната дата е след крайната. Разменете ги.",
    "exports.error.nothing_chosen": "Изберете анкета.",
    "exports.error.other_form": "Събитието е с друга анкета. Изберете го отново.",
    "exports.error.malformed": "Изборът не е пълен. Изберете анкета и формат и опитайте отново.",
  },
  en: {
    "exports.tab": "Downloads",
    "exports.title": "Download the answers",
    "exports.intro": "The answers to one form as a file: one row for each person who answered. People appear only under a pseudonym, never by their Telegram number.",
    "exports.scope": "Only the answers from {municipality}.",
    "exports.form": "Form",
    "exports.event": "Event (optional)",
    "exports.allEvents": "Every answer to the form",
    "exports.period": "Completed between (optional)",
    "exports.since": "From",
    "exports.until": "To (included)",
    "exports.periodHint": "Days are counted in {zone} time. Without days every answer is in the file, unfinished ones too.",
    "exports.format": "File format",
    "exports.csv": "CSV – opens in Excel",
    "exports.xlsx": "XLSX – an Excel workbook",
    "exports.json": "JSON – for scripts",
    "exports.download": "Download",
    "exports.working": "Preparing the file…",
    "exports.done": "Done: {name} is downloaded; answers in it: {count}.",
    "exports.toTelegram": "Telegram will ask where to save {name}.",
    "exports.noForms": "No forms are published yet.",
    "exports.error.not_found": "There is no such form or event.",
    "exports.error.not_allowed": "Downloading answers is for the municipality's staff.",
    "exports.error.bad_day": "The date was not understood. Pick it from the calendar.",
    "exports.error.since_after_until": "The first day is after the last one. Swap them.",
    "exports.error.nothing_chosen": "Choose a form.",
    "exports.error.other_form": "The event uses another form. Choose it again.",
    "exports.error.malformed": "The choice is incomplete. Choose a form and a format and try again.",
  },
  tr: {
    "exports.tab": "İndirme",
    "exports.title": "Yanıtları indir",
    "exports.intro": "Bir anketin yanıtları dosya olarak: yanıtlayan her kişi için bir satır. Kişiler yalnızca takma adla görünür, Telegram numaralarıyla asla.",
    "exports.scope": "Yalnızca {municipality} yanıtları.",
    "exports.form": "Anket",
    "exports.event": "Etkinlik (isteğe bağlı)",
    "exports.allEvents": "Anketin tüm yanıtları",
    "exports.period": "Tamamlanma tarihleri (isteğe bağlı)",
    "exports.since": "Başlangıç",
    "exports.until": "Bitiş (dahil)",
    "exports.periodHint": "Günler {zone} saatine göre sayılır. Tarih seçilmezse tüm yanıtlar, tamamlanmamışlar da, dosyaya girer.",
    "exports.format": "Dosya biçimi",
    "exports.csv": "CSV – Excel ile açılır",
    "exports.xlsx": "XLSX – Excel çalışma kitabı",
    "exports.json": "JSON – programlar için",
    "exports.download": "İndir",
    "exports.working": "Dosya hazırlanıyor…",
    "exports.done": "Tamam: {name} indirildi; içindeki yanıtlar: {count}.",
    "exports.toTelegram": "Telegram, {name} dosyasının nereye kaydedileceğini soracak.",
    "exports.noForms": "Henüz yayımlanmış anket yok.",
    "exports.error.not_found": "Böyle bir anket veya etkinlik yok.",
    "exports.error.not_allowed": "Yanıtları indirmek belediye personeli içindir.",
    "exports.error.bad_day": "Tarih anlaşılamadı. Takvimden seçin.",
    "exports.error.since_after_until": "Başlangıç tarihi bitişten sonra. Yerlerini değiştirin.",
    "exports.error.nothing_chosen": "Bir anket seçin.",
    "exports.error.other_form": "Etkinliğin anketi farklı. Yeniden seçin.",
    "exports.error.malformed": "Seçim eksik. Bir anket ve biçim seçip tekrar deneyin.",
  },
});

function exportProblem(code) {
  const own = `exports.error.${code}`;
  return text(own in TEXTS.en ? own : code in TEXTS.en ? code : "failed");
}

function exportField(id, label, control) {
  control.id = id;
  return node("p", { class: "field" }, node("label", { for: id }, label), control);
}

function eventOptions(select, choices, form) {
  const events = choices.events.filter((event) => event.form === form);
  select.replaceChildren(
    node("option", { value: "" }, text("exports.allEvents")),
    ...events.map((event) =>
      node("option", { value: event.code }, `${event.title} · ${event.starts_at.replace("T", " ")}`),
    ),
  );
}

function formatChoice(format, index) {
  const id = `export-format-${format}`;
  const radio = node("input", { type: "radio", name: "format", value: format, id });
  radio.checked = index === 0;
  return node("label", { for: id }, radio, ` ${text(`exports.${format}`)}`);
}

function showExports(choices) {
  const main = document.getElementById("main");
  const heading = [node("h2", {}, text("exports.title")), node("p", {}, text("exports.intro"))];
  if (choices.municipality) {
    heading.push(node("p", {}, text("exports.scope", { municipality: choices.municipality })));
  }
  if (!choices.forms.length) {
    main.replaceChildren(...heading, node("p", {}, text("exports.noForms")));
    return;
  }
  const form = node(
    "select",
    {},
    ...choices.forms.map((choice) => node("option", { value: choice.id }, choice.title || choice.id)),
  );
  const event = node("select", {});
  eventOptions(event, choices, form.value);
  form.addEventListener("change", () => eventOptions(event, choices, form.value));
  const since = node("input", { type: "date" });
  const until = node("input", { type: "date" });
  const status = node("p", { role: "status" });
  const period = node(
    "fieldset",
    {},
    node("legend", {}, text("exports.period")),
    exportField("export-since", text("exports.since"), since),
    exportField("export-until", text("exports.until"), until),
    node("p", { class: "hint" }, text("exports.periodHint", { zone: choices.zone })),
  );
  const formats = node(
    "fieldset",
    {},
    node("legend", {}, text("exports.format")),
    ...choices.formats.map(formatChoice),
  );
  const panel = node(
    "form",
    { class: "tool" },
    exportField("export-form", text("exports.form"), form),
    exportField("export-event", text("exports.event"), event),
    period,
    formats,
    node("button", { type: "submit" }, text("exports.download")),
    status,
  );
  panel.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const chosen = panel.querySelector("input[name=format]:checked");
    status.className = "";
    status.textContent = text("exports.working");
    const asked = {
      flow: form.value,
      event: event.value || null,
      since: since.value || null,
      until: until.value || null,
      format: chosen ? chosen.value : null,
    };
    try {
      const file = await saveFile("export", asked, { path: "exports/file", payload: asked });
      status.textContent = file.telegram
        ? text("exports.toTelegram", { name: file.name })
        : text("exports.done", { count: file.count, name: file.name });
    } catch (error) {
      status.className = "error";
      status.textContent = exportProblem(error.message);
    }
  });
  main.replaceChildren(...heading, panel);
}

addPage({ label: "exports.tab", roles: ["admin", "staff"], path: "exports", show: showExports });
