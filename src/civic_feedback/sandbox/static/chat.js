// The sandbox's chat page: long-polls /api/chat and sends what the user types or presses.
// Message HTML comes escaped from the server (chat_view.py); nothing here builds markup from text.
"use strict";

const $ = (id) => document.getElementById(id);
const log = $("log"), userSelect = $("user"), languageSelect = $("language");
const composer = $("composer"), input = $("text"), commandsBox = $("commands");
let since = 0, poller = null, toastTimer = null;

function person() { return userSelect.value; }

function savedLanguage() {
  const chosen = JSON.parse(localStorage.getItem("sandbox-languages") || "{}")[person()];
  return chosen || userSelect.selectedOptions[0].dataset.language;
}

function chooseLanguage() {
  const chosen = JSON.parse(localStorage.getItem("sandbox-languages") || "{}");
  chosen[person()] = languageSelect.value;
  localStorage.setItem("sandbox-languages", JSON.stringify(chosen));
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
  if (!response.ok) showToast(await response.text(), false);
  return response.ok ? response.json() : null;
}

function say(text) {
  return post("/api/send", {user: person(), language: languageSelect.value, text});
}

function showToast(text, alert) {
  const box = $("toast");
  box.textContent = text;
  box.className = alert ? "alert" : "";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 2500);
}

function apply(data, first) {
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
  for (const message of data.messages) {
    const old = document.getElementById("m-" + message.id);
    if (message.deleted) { if (old) old.remove(); continue; }
    const tpl = document.createElement("template");
    tpl.innerHTML = message.html;
    if (old) old.replaceWith(tpl.content); else log.append(tpl.content);
  }
  if (!first) for (const toast of data.toasts) showToast(toast.text, toast.alert);
  commandsBox.replaceChildren(...data.commands.map((c) => {
    const item = document.createElement("button");
    item.type = "button";
    item.dataset.command = "/" + c.command;
    const name = document.createElement("b");
    name.textContent = "/" + c.command;
    const about = document.createElement("span");
    about.textContent = c.description;
    item.append(name, about);
    return item;
  }));
  composer.classList.toggle("empty", log.children.length === 0);
  if (data.messages.length && (atBottom || first)) log.scrollTop = log.scrollHeight;
}

async function poll(controller) {
  let first = true;
  while (!controller.signal.aborted) {
    const query = new URLSearchParams({
      user: person(), language: languageSelect.value, since, wait: first ? 0 : 25,
    });
    try {
      const response = await fetch("/api/chat?" + query, {signal: controller.signal});
      const data = await response.json();
      apply(data, first);
      since = data.version;
      first = false;
    } catch (error) {
      if (controller.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 2000)); // the sandbox restarts
    }
  }
}

function openChat() {
  if (poller) poller.abort();
  poller = new AbortController();
  since = 0;
  log.replaceChildren();
  languageSelect.value = savedLanguage();
  $("who").textContent = userSelect.selectedOptions[0].textContent;
  commandsBox.hidden = true;
  poll(poller);
}

log.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-data]");
  if (button) {
    post("/api/press", {
      user: person(), language: languageSelect.value,
      message_id: Number(button.dataset.message), data: button.dataset.data,
    });
    return;
  }
  const link = event.target.closest("a[data-start]");
  if (link) { event.preventDefault(); say("/start " + link.dataset.start); }
});

document.querySelector(".links").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-start]");
  if (button) say("/start " + button.dataset.start);
});

commandsBox.addEventListener("click", (event) => {
  const item = event.target.closest("button[data-command]");
  if (!item) return;
  commandsBox.hidden = true;
  say(item.dataset.command);
});

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  commandsBox.hidden = true;
  say(text);
});

$("menu").addEventListener("click", () => { commandsBox.hidden = !commandsBox.hidden; });
$("start").addEventListener("click", () => say("/start"));
$("skip").addEventListener("click", async () => {
  const answer = await post("/api/skip", {page_language: document.documentElement.lang});
  if (answer) $("clock").textContent = answer.text;
});
userSelect.addEventListener("change", openChat);
languageSelect.addEventListener("change", () => { chooseLanguage(); openChat(); });
openChat();
