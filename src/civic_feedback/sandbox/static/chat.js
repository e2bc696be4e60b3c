// The sandbox's chat page: two chats, the person's own with the bot and the staff group's,
// each long-polling /api/chat and sending what is typed, pressed, attached or pinned.
// Message HTML comes escaped from the server (chat_view.py); nothing here builds markup from text.
"use strict";

const $ = (id) => document.getElementById(id);
const page = document.body.dataset;
const userSelect = $("user"), languageSelect = $("language"), panes = $("panes");
let toastTimer = null;

function showToast(text, alert) {
  const box = $("toast");
  box.textContent = text;
  box.className = alert ? "alert" : "";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 3500);
}

// A refusal (4xx) is one line saying what to do: shown, and whatever was typed stays.
async function request(path, options) {
  try {
    const response = await fetch(path, options);
    if (!response.ok) { showToast(await response.text(), false); return null; }
    return await response.json();
  } catch (error) {
    showToast(String(error), false);
    return null;
  }
}

function postJSON(path, body) {
  return request(path, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
}

function size(bytes) {
  return bytes < 1024 * 1024 ? (bytes / 1024).toFixed(0) + " KB"
    : (bytes / 1024 / 1024).toFixed(1) + " MB";
}

class Pane {
  // who() says who writes, in which Telegram language, and where ("" for their own chat).
  constructor(root, who) {
    this.root = root;
    this.who = who;
    this.log = this.part(".log");
    this.input = this.part(".write");
    this.commands = this.part(".commands");
    this.since = 0;
    this.poller = null;
    this.replyTo = null;
    this.file = null;
    this.wire();
  }

  part(selector) { return this.root.querySelector(selector); }

  // On a phone one chat shows at a time; its tab is marked when the other has news.
  get tab() { return document.querySelector(`#switch [data-pane="${this.root.id}"]`); }

  shown() {
    const sideBySide = getComputedStyle($("switch")).display === "none";
    return sideBySide || panes.dataset.shown === this.root.id;
  }

  fields() {
    const {user, language, chat} = this.who();
    return {user, language, chat, reply_to: this.replyTo ?? ""};
  }

  open() {
    if (this.poller) this.poller.abort();
    this.poller = new AbortController();
    this.since = 0;
    this.log.replaceChildren();
    this.unreply();
    this.unattach();
    if (this.commands) this.commands.hidden = true;
    this.poll(this.poller);
  }

  async poll(controller) {
    let first = true;
    while (!controller.signal.aborted) {
      const {user, language, chat} = this.who();
      const wait = first ? 0 : 25;
      const query = new URLSearchParams({user, language, chat, since: this.since, wait});
      try {
        const response = await fetch("/api/chat?" + query, {signal: controller.signal});
        const data = await response.json();
        this.apply(data, first);
        this.since = data.version;
        first = false;
      } catch (error) {
        if (controller.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 2000)); // the sandbox restarts
      }
    }
  }

  apply(data, first) {
    const log = this.log;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
    for (const message of data.messages) {
      const old = log.querySelector(`article[data-id="${message.id}"]`);
      if (message.deleted) { if (old) old.remove(); continue; }
      const tpl = document.createElement("template");
      tpl.innerHTML = message.html;
      for (const edited of tpl.content.querySelectorAll(".meta .edited")) {
        edited.textContent = `${page.edited} `;
      }
      for (const meta of tpl.content.querySelectorAll("article.bot .meta")) {
        const reply = document.createElement("button");
        reply.type = "button";
        reply.className = "reply-to";
        reply.title = page.reply;
        reply.textContent = "↩";
        meta.prepend(reply);
      }
      if (old) old.replaceWith(tpl.content); else log.append(tpl.content);
    }
    if (!first) for (const toast of data.toasts) showToast(toast.text, toast.alert);
    if (!first && data.messages.length) this.tab.classList.toggle("unread", !this.shown());
    if (this.commands) this.showCommands(data.commands);
    const composer = this.part(".composer");
    if (this.part(".start")) composer.classList.toggle("empty", log.children.length === 0);
    if (data.messages.length && (atBottom || first)) log.scrollTop = log.scrollHeight;
  }

  showCommands(commands) {
    this.commands.replaceChildren(...commands.map((c) => {
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
  }

  say(text) { return postJSON("/api/send", {...this.fields(), text}); }

  upload(kind, file, caption) {
    const form = new FormData();
    for (const [name, value] of Object.entries(this.fields())) form.append(name, value);
    form.append("kind", kind);
    form.append("caption", caption);
    form.append("file", file);
    const language = document.documentElement.lang;
    return request("/api/upload?page_language=" + language, {method: "POST", body: form});
  }

  place(latitude, longitude) {
    return postJSON("/api/place", {
      ...this.fields(), latitude, longitude, page_language: document.documentElement.lang,
    });
  }

  replyToMessage(article) {
    this.replyTo = Number(article.dataset.id);
    const text = article.querySelector(".text");
    const bar = this.part(".replying");
    bar.querySelector("span").textContent = "↩ " + (text ? text.textContent.slice(0, 90) : "🖼");
    bar.hidden = false;
    this.input.focus();
  }

  unreply() {
    this.replyTo = null;
    this.part(".replying").hidden = true;
  }

  attach(kind, input) {
    const file = input.files[0];
    input.value = "";
    this.part(".attach-menu").hidden = true;
    if (!file) return;
    if (file.size > Number(page.uploadLimit)) { showToast(page.tooBig, false); return; }
    this.file = {kind, file};
    const bar = this.part(".attached");
    bar.querySelector("span").textContent =
      (kind === "photo" ? "🖼 " : "📄 ") + file.name + " · " + size(file.size);
    bar.hidden = false;
    this.input.placeholder = this.input.dataset.caption;
    this.input.focus();
  }

  unattach() {
    this.file = null;
    this.part(".attached").hidden = true;
    this.input.placeholder = this.input.dataset.message;
  }

  async submit() {
    const text = this.input.value.trim();
    let answer;
    if (this.file) {
      answer = await this.upload(this.file.kind, this.file.file, text);
      if (answer) this.unattach();
    } else {
      if (!text) return;
      answer = await this.say(text);
    }
    if (answer) {
      this.input.value = "";
      this.unreply();
    }
  }

  wire() {
    this.part(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.commands) this.commands.hidden = true;
      this.submit();
    });
    this.log.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-data]");
      if (button) {
        const {user, language, chat} = this.who();
        const message_id = Number(button.dataset.message);
        postJSON("/api/press", {user, language, chat, message_id, data: button.dataset.data});
        return;
      }
      const reply = event.target.closest("button.reply-to");
      if (reply) { this.replyToMessage(reply.closest("article")); return; }
      const quote = event.target.closest("[data-goto]");
      if (quote) {
        const target = this.log.querySelector(`article[data-id="${quote.dataset.goto}"]`);
        if (target) target.scrollIntoView({block: "center", behavior: "smooth"});
        return;
      }
      const link = event.target.closest("a[data-start]");
      if (link) { event.preventDefault(); this.say("/start " + link.dataset.start); }
    });
    this.part(".unreply").addEventListener("click", () => this.unreply());
    this.part(".unattach").addEventListener("click", () => this.unattach());
    this.part(".attach").addEventListener("click", () => {
      const menu = this.part(".attach-menu");
      menu.hidden = !menu.hidden;
      const placeForm = this.part(".place-form");
      if (placeForm) placeForm.hidden = true;
    });
    for (const kind of ["photo", "document"]) {
      const input = this.part(`.${kind}-file`);
      input.addEventListener("change", () => this.attach(kind, input));
    }
    const placeForm = this.part(".place-form");
    if (placeForm) this.wirePlace(placeForm);
    if (this.commands) {
      this.part(".menu").addEventListener("click", () => {
        this.commands.hidden = !this.commands.hidden;
      });
      this.commands.addEventListener("click", (event) => {
        const item = event.target.closest("button[data-command]");
        if (!item) return;
        this.commands.hidden = true;
        this.say(item.dataset.command);
      });
      this.part(".start").addEventListener("click", () => this.say("/start"));
    }
  }

  wirePlace(form) {
    const latitude = form.querySelector(".latitude"), longitude = form.querySelector(".longitude");
    this.part(".open-place").addEventListener("click", () => {
      this.part(".attach-menu").hidden = true;
      form.hidden = false;
    });
    form.querySelector(".close-place").addEventListener("click", () => { form.hidden = true; });
    form.querySelector(".places").addEventListener("change", (event) => {
      if (!event.target.value) return;
      [latitude.value, longitude.value] = event.target.value.split(",");
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answer = await this.place(latitude.value, longitude.value);
      if (answer) {
        form.hidden = true;
        this.unreply();
      }
    });
  }
}

function savedLanguage() {
  const chosen = JSON.parse(localStorage.getItem("sandbox-languages") || "{}")[userSelect.value];
  return chosen || userSelect.selectedOptions[0].dataset.language;
}

function chooseLanguage() {
  const chosen = JSON.parse(localStorage.getItem("sandbox-languages") || "{}");
  chosen[userSelect.value] = languageSelect.value;
  localStorage.setItem("sandbox-languages", JSON.stringify(chosen));
}

const citizen = new Pane($("citizen"), () => (
  {user: userSelect.value, language: languageSelect.value, chat: ""}
));
const staffRoot = $("staff"), writer = staffRoot.querySelector(".writer");
const groupSelect = staffRoot.querySelector(".chat");
const staff = new Pane(staffRoot, () => ({
  user: writer.value, language: writer.selectedOptions[0].dataset.language, chat: groupSelect.value,
}));

function openCitizen() {
  languageSelect.value = savedLanguage();
  citizen.part(".who").textContent = userSelect.selectedOptions[0].textContent;
  citizen.open();
}

function openStaff() {
  staffRoot.querySelector(".title").textContent = "👥 " + groupSelect.selectedOptions[0].textContent;
  staff.open();
}

document.querySelector(".links").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-start]");
  if (button) citizen.say("/start " + button.dataset.start);
});
$("switch").addEventListener("click", (event) => {
  const tab = event.target.closest("button[data-pane]");
  if (!tab) return;
  panes.dataset.shown = tab.dataset.pane;
  tab.classList.remove("unread");
  for (const other of $("switch").children) {
    other.setAttribute("aria-selected", String(other === tab));
  }
});
$("skip").addEventListener("click", async () => {
  const answer = await postJSON("/api/skip", {page_language: document.documentElement.lang});
  if (answer) $("clock").textContent = answer.text;
});
userSelect.addEventListener("change", openCitizen);
languageSelect.addEventListener("change", () => { chooseLanguage(); openCitizen(); });
writer.addEventListener("change", openStaff);
groupSelect.addEventListener("change", openStaff);
openCitizen();
openStaff();
