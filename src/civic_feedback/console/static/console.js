// The staff console's page: the core every page shares. It reads the API with Telegram's
// init data and draws with DOM nodes and textContent only (nothing from the server is ever
// parsed as HTML). Each page (home.js, consultations.js, ...) adds its texts and its tab.
"use strict";

const TEXTS = {
  bg: {
    title: "Табло на общината",
    all: "Всички общини",
    loading: "Зареждане…",
    unauthorized: "Отворете таблото от бота в Telegram (бутона „Табло“ или /console).",
    no_role: "Таблото е за служители и организатори. Помолете администратора да ви даде роля.",
    too_many_requests: "Твърде много заявки. Опитайте отново след минута.",
    failed: "Таблото не можа да зареди. Проверете връзката и опитайте отново.",
    home: "Начало",
    not_found: "Няма такава консултация или предложение.",
    not_allowed: "Решенията по консултации се вземат от служителите на общината.",
    malformed: "Изберете решение и опитайте отново.",
    json_only: "Изберете решение и опитайте отново.",
    "file.toTelegram": "Telegram ще попита къде да запази {name}.",
    "file.downloaded": "Файлът {name} е изтеглен.",
  },
  en: {
    title: "Municipality dashboard",
    all: "All municipalities",
    loading: "Loading…",
    unauthorized: "Open the console from the bot in Telegram (the “Console” button or /console).",
    no_role: "The console is for staff and organizers. Ask your administrator for a role.",
    too_many_requests: "Too many requests. Try again in a minute.",
    failed: "The console could not load. Check the connection and try again.",
    home: "Home",
    not_found: "There is no such consultation or proposal.",
    not_allowed: "Decisions on consultations are taken by the municipality's staff.",
    malformed: "Choose a decision and try again.",
    json_only: "Choose a decision and try again.",
    "file.toTelegram": "Telegram will ask where to save {name}.",
    "file.downloaded": "{name} is downloaded.",
  },
  tr: {
    title: "Belediye paneli",
    all: "Tüm belediyeler",
    loading: "Yükleniyor…",
    unauthorized: "Paneli Telegram'daki bottan açın (“Panel” düğmesi veya /console).",
    no_role: "Panel, personel ve organizatörler içindir. Yöneticinizden bir rol isteyin.",
    too_many_requests: "Çok fazla istek. Bir dakika sonra tekrar deneyin.",
    failed: "Panel yüklenemedi. Bağlantıyı kontrol edip tekrar deneyin.",
    home: "Ana sayfa",
    not_found: "Böyle bir istişare veya öneri yok.",
    not_allowed: "İstişare kararlarını belediye personeli verir.",
    malformed: "Bir karar seçip tekrar deneyin.",
    json_only: "Bir karar seçip tekrar deneyin.",
    "file.toTelegram": "Telegram, {name} dosyasının nereye kaydedileceğini soracak.",
    "file.downloaded": "{name} indirildi.",
  },
};

let language = "bg";
// What Telegram puts in the address it opens: tgWebAppData (the signed init data) and more.
const LAUNCH = new URLSearchParams(window.location.hash.slice(1));
// The pages after home, in tab order: {label, roles, path, show}.
const PAGES = [];
let homePage = null;

function addTexts(more) {
  for (const [code, table] of Object.entries(more)) {
    Object.assign(TEXTS[code], table);
  }
}

function addPage(page) {
  PAGES.push(page);
}

function showTabs(role) {
  const offered = PAGES.filter((page) => page.roles.includes(role));
  if (document.getElementById("tabs") || !offered.length) {
    return;
  }
  const home = node("button", { type: "button" }, text("home"));
  home.addEventListener("click", () => load(homePage, "home"));
  const buttons = offered.map((page) => {
    const button = node("button", { type: "button" }, text(page.label));
    button.addEventListener("click", () => load(page.show, page.path));
    return button;
  });
  document.querySelector("header").append(
    node("nav", { id: "tabs", "aria-label": text("title") }, home, ...buttons),
  );
}

function text(key, values = {}) {
  const table = TEXTS[language] || TEXTS.bg;
  let result = table[key] || TEXTS.en[key] || key;
  for (const [name, value] of Object.entries(values)) {
    result = result.replace(`{${name}}`, () => String(value)); // a value's "$&" stays as written
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

// An action that cannot be undone asks first: "ask" gives way to the question with "yes" and
// "no" (show); "no", or a failure, puts "ask" back (back). The group goes where "ask" stands.
function confirmStep(ask, question, yes, no) {
  const group = node("div", { class: "confirm", role: "group", "aria-labelledby": question.id }, question, yes, no);
  group.hidden = true;
  const show = () => {
    group.hidden = false;
    ask.hidden = true;
    no.focus();
  };
  const back = () => {
    group.hidden = true;
    ask.hidden = false;
  };
  no.addEventListener("click", () => {
    back();
    ask.focus();
  });
  return { group, show, back };
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

// --- files ----------------------------------------------------------------------------------

function telegramDownloads() {
  // Bot API 8.0+: Telegram's app fetches the file itself and saves it, which its phone
  // apps' in-app browser does not do with a file the page holds in memory.
  const telegram = window.Telegram && window.Telegram.WebApp;
  const recent = telegram && telegram.isVersionAtLeast && telegram.isVersionAtLeast("8.0");
  return recent && typeof telegram.downloadFile === "function" ? telegram : null;
}

async function saveFile(file, params, direct) {
  // One of the console's files: {file, params} as its download link asks for it, `direct`
  // ({path, payload}) as its own route does. Inside Telegram the page asks for a link of a
  // minute and Telegram's app fetches it; elsewhere the page fetches the file with the init
  // data (a plain link could not prove who asks) and saves it from memory.
  // Resolves to {name, count, telegram}.
  const telegram = telegramDownloads();
  if (telegram) {
    const link = await api("links", { file, params });
    const url = new URL(link.url, window.location.href).href;
    telegram.downloadFile({ url, file_name: link.name });
    return { name: link.name, count: null, telegram: true };
  }
  const headers = { Authorization: `tma ${initData()}` };
  const options = { headers, cache: "no-store" };
  if (direct.payload !== undefined) {
    headers["Content-Type"] = "application/json";
    options.method = "POST";
    options.body = JSON.stringify(direct.payload);
  }
  const response = await fetch(`api/${direct.path}`, options);
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.error || "failed");
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const name = named ? named[1] : "download";
  const address = URL.createObjectURL(await response.blob());
  const link = node("a", { href: address, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(address), 60_000);
  return { name, count: response.headers.get("X-Responses"), telegram: false };
}

function savedText(saved) {
  // What a page says once saveFile is done: Telegram asks where, or the browser saved it.
  return text(saved.telegram ? "file.toTelegram" : "file.downloaded", { name: saved.name });
}

async function load(show, path) {
  document.getElementById("main").replaceChildren(node("p", { role: "status" }, text("loading")));
  try {
    show(await api(path));
  } catch (error) {
    showError(error.message);
  }
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
    homePage(await api("home"));
  } catch (error) {
    showError(error.message);
  }
}

document.addEventListener("DOMContentLoaded", start);
