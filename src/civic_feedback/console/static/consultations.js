// The console's consultations: their proposals, the municipality's decision on each with its
// reasons, and the report to download (admins and staff).
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
  const form = node("form", { class: "tool", "aria-labelledby": "report-title" });
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
  );
}

addPage({
  label: "proposalsTab",
  roles: ["admin", "staff"],
  path: "consultations",
  show: showConsultations,
});
