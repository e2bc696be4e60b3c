// The staff console's page: reads the API with Telegram's init data and draws with DOM
// nodes and textContent only (nothing from the server is ever parsed as HTML).
"use strict";

const TEXTS = {
  bg: {
    title: "Табло на общината",
    all: "Всички общини",
    loading: "Зареждане…",
    week: "Тази седмица ({week}) спрямо предходната",
    completed: "Попълнени анкети",
    csat: "Доволни (CSAT)",
    nps: "NPS",
    responseRate: "Отговорили след събитие",
    trend: "Последните 8 седмици",
    trendCaption: "Попълнени анкети и средна оценка (1–5) по седмици",
    weekColumn: "Седмица",
    completedColumn: "Анкети",
    averageColumn: "Средна оценка",
    inbox: "Съобщения до общината, които чакат",
    events: "Предстоящи събития",
    noEvents: "Няма предстоящи събития.",
    registered: "{registered} записани",
    waiting: "{waiting} в списъка на чакащите",
    consultations: "Отворени обществени консултации",
    noConsultations: "Няма отворени консултации.",
    consultationDetails: "{proposals} предложения · още {days} дни",
    unauthorized: "Отворете таблото от бота в Telegram (бутона „Табло“ или /console).",
    no_role: "Таблото е за служители и организатори. Помолете администратора да ви даде роля.",
    too_many_requests: "Твърде много заявки. Опитайте отново след минута.",
    failed: "Таблото не можа да зареди. Проверете връзката и опитайте отново.",
    home: "Начало",
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
    not_found: "Няма такава консултация или предложение.",
    not_allowed: "Решенията по консултации се вземат от служителите на общината.",
    malformed: "Изберете решение и опитайте отново.",
    json_only: "Изберете решение и опитайте отново.",
  },
  en: {
    title: "Municipality dashboard",
    all: "All municipalities",
    loading: "Loading…",
    week: "This week ({week}) against the last",
    completed: "Completed responses",
    csat: "Satisfied (CSAT)",
    nps: "NPS",
    responseRate: "Responded after an event",
    trend: "The last 8 weeks",
    trendCaption: "Completed responses and average rating (1–5) per week",
    weekColumn: "Week",
    completedColumn: "Responses",
    averageColumn: "Average rating",
    inbox: "Messages to the municipality waiting",
    events: "Upcoming events",
    noEvents: "No upcoming events.",
    registered: "{registered} registered",
    waiting: "{waiting} on the waiting list",
    consultations: "Open public consultations",
    noConsultations: "No open consultations.",
    consultationDetails: "{proposals} proposals · {days} days left",
    unauthorized: "Open the console from the bot in Telegram (the “Console” button or /console).",
    no_role: "The console is for staff and organizers. Ask your administrator for a role.",
    too_many_requests: "Too many requests. Try again in a minute.",
    failed: "The console could not load. Check the connection and try again.",
    home: "Home",
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
    not_found: "There is no such consultation or proposal.",
    not_allowed: "Decisions on consultations are taken by the municipality's staff.",
    malformed: "Choose a decision and try again.",
    json_only: "Choose a decision and try again.",
  },
  tr: {
    title: "Belediye paneli",
    all: "Tüm belediyeler",
    loading: "Yükleniyor…",
    week: "Bu hafta ({week}) ile geçen hafta",
    completed: "Tamamlanan anketler",
    csat: "Memnun (CSAT)",
    nps: "NPS",
    responseRate: "Etkinlik sonrası yanıt",
    trend: "Son 8 hafta",
    trendCaption: "Haftalık tamamlanan anketler ve ortalama puan (1–5)",
    weekColumn: "Hafta",
    completedColumn: "Anketler",
    averageColumn: "Ortalama puan",
    inbox: "Bekleyen belediye mesajları",
    events: "Yaklaşan etkinlikler",
    noEvents: "Yaklaşan etkinlik yok.",
    registered: "{registered} kayıtlı",
    waiting: "{waiting} bekleme listesinde",
    consultations: "Açık kamu istişareleri",
    noConsultations: "Açık istişare yok.",
    consultationDetails: "{proposals} öneri · {days} gün kaldı",
    unauthorized: "Paneli Telegram'daki bottan açın (“Panel” düğmesi veya /console).",
    no_role: "Panel, personel ve organizatörler içindir. Yöneticinizden bir rol isteyin.",
    too_many_requests: "Çok fazla istek. Bir dakika sonra tekrar deneyin.",
    failed: "Panel yüklenemedi. Bağlantıyı kontrol edip tekrar deneyin.",
    home: "Ana sayfa",
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
    not_found: "Böyle bir istişare veya öneri yok.",
    not_allowed: "İstişare kararlarını belediye personeli verir.",
    malformed: "Bir karar seçip tekrar deneyin.",
    json_only: "Bir karar seçip tekrar deneyin.",
  },
};

let language = "bg";
// What Telegram puts in the address it opens: tgWebAppData (the signed init data) and more.
const LAUNCH = new URLSearchParams(window.location.hash.slice(1));

function text(key, values = {}) {
  const table = TEXTS[language] || TEXTS.bg;
  let result = table[key] || TEXTS.en[key] || key;
  for (const [name, value] of Object.entries(values)) {
    result = result.replace(`{${name}}`, String(value));
  }
  return result;
}

function node(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, value);
  }
  for (const child of children) {
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function initData() {
  // Telegram's script reads it from the address Telegram opened (#tgWebAppData=...); without
  // that script (a local trial, the sandbox) the page reads the same place itself.
  const telegram = window.Telegram && window.Telegram.WebApp;
  const launched = LAUNCH.get("tgWebAppData");
  return (telegram && telegram.initData) || launched || "";
}

async function api(path, payload) {
  const headers = { Authorization: `tma ${initData()}` };
  const options = { headers, cache: "no-store" };
  if (payload !== undefined) {
    headers["Content-Type"] = "application/json";
    options.method = "POST";
    options.body = JSON.stringify(payload);
  }
  const response = await fetch(`api/${path}`, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || "failed");
  }
  return body;
}

function percent(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
}

function change(current, previous, asPercent) {
  if (current === null || previous === null || previous === undefined) {
    return "";
  }
  const difference = asPercent ? Math.round((current - previous) * 100) : current - previous;
  if (difference === 0) {
    return "±0";
  }
  const sign = difference > 0 ? "+" : "−";
  return `${sign}${Math.abs(difference)}${asPercent ? " pp" : ""}`;
}

function figure(name, value, delta) {
  const card = node("div", { class: "figure" }, node("span", { class: "name" }, name));
  card.append(node("span", { class: "value" }, value));
  if (delta) {
    const direction = delta.startsWith("+") ? "up" : delta.startsWith("−") ? "down" : "";
    card.append(node("span", { class: `change ${direction}` }, delta));
  }
  return card;
}

function figures(home) {
  const now = home.figures;
  const before = home.previous || {};
  return node(
    "div",
    { class: "figures" },
    figure(text("completed"), now.completed, change(now.completed, before.completed, false)),
    figure(text("csat"), percent(now.csat), change(now.csat, before.csat, true)),
    figure(text("nps"), now.nps === null ? "—" : now.nps, change(now.nps, before.nps, false)),
    figure(
      text("responseRate"),
      percent(now.response_rate),
      change(now.response_rate, before.response_rate, true),
    ),
    figure(text("inbox"), home.inbox_waiting, ""),
  );
}

function trendChart(points) {
  const width = 320;
  const height = 120;
  const most = Math.max(1, ...points.map((point) => point.completed));
  const step = width / points.length;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height + 16}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", text("trendCaption"));
  points.forEach((point, index) => {
    const bar = document.createElementNS(svg.namespaceURI, "rect");
    const barHeight = (point.completed / most) * height;
    bar.setAttribute("x", String(index * step + 4));
    bar.setAttribute("y", String(height - barHeight));
    bar.setAttribute("width", String(step - 8));
    bar.setAttribute("height", String(barHeight));
    svg.append(bar);
    const label = document.createElementNS(svg.namespaceURI, "text");
    label.setAttribute("x", String(index * step + step / 2));
    label.setAttribute("y", String(height + 12));
    label.setAttribute("text-anchor", "middle");
    label.textContent = point.week.slice(5);
    svg.append(label);
  });
  return svg;
}

function trendTable(points) {
  const head = node(
    "tr",
    {},
    node("th", { scope: "col" }, text("weekColumn")),
    node("th", { scope: "col", class: "number" }, text("completedColumn")),
    node("th", { scope: "col", class: "number" }, text("averageColumn")),
  );
  const rows = points.map((point) =>
    node(
      "tr",
      {},
      node("th", { scope: "row" }, point.week),
      node("td", { class: "number" }, point.completed),
      node("td", { class: "number" }, point.average === null ? "—" : point.average.toFixed(2)),
    ),
  );
  return node(
    "table",
    {},
    node("caption", {}, text("trendCaption")),
    node("thead", {}, head),
    node("tbody", {}, ...rows),
  );
}

function eventList(events) {
  if (!events.length) {
    return node("p", {}, text("noEvents"));
  }
  return node(
    "ul",
    { class: "items" },
    ...events.map((event) => {
      const when = event.starts_at.replace("T", " ").slice(0, 16);
      const people = [text("registered", { registered: event.registered })];
      if (event.waiting) {
        people.push(text("waiting", { waiting: event.waiting }));
      }
      const details = [when, event.place, people.join(", ")].filter(Boolean).join(" · ");
      return node("li", {}, event.title, node("span", { class: "details" }, details));
    }),
  );
}

function consultationList(consultations) {
  if (!consultations.length) {
    return node("p", {}, text("noConsultations"));
  }
  return node(
    "ul",
    { class: "items" },
    ...consultations.map((consultation) =>
      node(
        "li",
        {},
        consultation.title,
        node(
          "span",
          { class: "details" },
          text("consultationDetails", {
            proposals: consultation.proposals,
            days: consultation.days_left,
          }),
        ),
      ),
    ),
  );
}

const DECIDES = ["admin", "staff"];

function showTabs(role) {
  const header = document.querySelector("header");
  const existing = document.getElementById("tabs");
  if (existing || !DECIDES.includes(role)) {
    return;
  }
  const home = node("button", { type: "button" }, text("home"));
  home.addEventListener("click", () => load(showHome, "home"));
  const consultations = node("button", { type: "button" }, text("proposalsTab"));
  consultations.addEventListener("click", () => load(showConsultations, "consultations"));
  header.append(node("nav", { id: "tabs", "aria-label": text("title") }, home, consultations));
}

async function load(show, path) {
  document.getElementById("main").replaceChildren(node("p", { role: "status" }, text("loading")));
  try {
    show(await api(path));
  } catch (error) {
    showError(error.message);
  }
}

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
  );
}

function showHome(home) {
  language = home.who.language;
  document.documentElement.lang = language;
  document.getElementById("title").textContent = text("title");
  document.getElementById("scope").textContent = home.who.municipality || text("all");
  showTabs(home.who.role);
  const main = document.getElementById("main");
  main.replaceChildren(
    node("h2", {}, text("week", { week: home.week })),
    figures(home),
    node("h2", {}, text("trend")),
    trendChart(home.trend),
    trendTable(home.trend),
    node("h2", {}, text("events")),
    eventList(home.events),
    node("h2", {}, text("consultations")),
    consultationList(home.consultations),
  );
}

function showError(code) {
  const main = document.getElementById("main");
  main.replaceChildren(node("p", { class: "error", role: "alert" }, text(code in TEXTS.en ? code : "failed")));
}

function telegramScript() {
  // Inside Telegram (which says its version in the address), its script gives the page the
  // app's colours and buttons; elsewhere (a local trial, the sandbox) nothing is fetched.
  if (!LAUNCH.get("tgWebAppVersion")) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const script = node("script", { src: "https://telegram.org/js/telegram-web-app.js" });
    script.addEventListener("load", resolve);
    script.addEventListener("error", resolve);
    document.head.append(script);
  });
}

async function start() {
  await telegramScript();
  const telegram = window.Telegram && window.Telegram.WebApp;
  const guess = ((telegram && telegram.initDataUnsafe && telegram.initDataUnsafe.user) || {})
    .language_code;
  if (guess && TEXTS[guess.slice(0, 2)]) {
    language = guess.slice(0, 2);
  }
  document.getElementById("status").textContent = text("loading");
  if (telegram) {
    telegram.ready();
  }
  try {
    showHome(await api("home"));
  } catch (error) {
    showError(error.message);
  }
}

start();
