// The console's form editor. It edits the form as the YAML's own structure (the model): every
// question type, options, `when` conditions and Skip (required: false), each text in the
// form's languages side by side with an empty translation flagged, and the form's window
// (`opens`, `closes`, in TIMEZONE). The server writes the model as YAML and checks it with
// the loader of `feedback-admin flows validate`; each problem is shown beside what it
// concerns. Texts typed here are data: shown with textContent, never parsed as HTML.
"use strict";

addTexts({
  bg: {
    "fe.title": "Редактор на анкети",
    "fe.start_title": "Нова анкета",
    "fe.start_from": "Започни от",
    "fe.blank": "Празна анкета",
    "fe.start": "Започни",
    "fe.open_file": "Или отворете YAML файл (до 64 KB)",
    "fe.back": "← Всички анкети",
    "fe.back_to_editor": "← Обратно към редактора",
    "fe.form": "Анкета",
    "fe.id": "Идентификатор (малки латински букви, цифри и -)",
    "fe.languages": "Езици",
    "fe.default_language": "Основен език",
    "fe.anonymous": "Анонимна: отговорите не се свързват с гражданина",
    "fe.repeatable": "Може да се попълва повече от веднъж",
    "fe.window": "Кога се приемат отговори (по часа в {zone})",
    "fe.opens": "Отваря (напр. 2026-12-03 18:00; празно: без начало)",
    "fe.closes": "Затваря (напр. 2026-12-05 18:00, или само дата: в края на деня; празно: без край)",
    "fe.window_hint": "Без двете дати публикуването оставя часовете на анкетата, каквито са (списъкът с анкети също я отваря и затваря).",
    "fe.inbox_title": "Съобщения до общината",
    "fe.inbox": "Всеки отговор е съобщение до общината",
    "fe.inbox.message": "Съобщението: въпрос със свободен текст",
    "fe.inbox.topic": "Темата: въпрос с един избор (по желание)",
    "fe.inbox.contact": "Съгласие за връзка: въпрос „да или не“ (по желание)",
    "fe.none": "няма",
    "fe.form_title": "Заглавие",
    "fe.intro": "Въведение (по желание)",
    "fe.outro": "Благодарност в края (по желание)",
    "fe.missing": "липсва превод",
    "fe.question": "Въпрос {n}: {id}",
    "fe.question_id": "Идентификатор на въпроса (малки латински букви, цифри и _)",
    "fe.type": "Вид",
    "fe.text": "Текст на въпроса",
    "fe.required": "Задължителен (без бутон „Пропусни“)",
    "fe.private": "Личен: не се показва в публикуваните резултати",
    "fe.scale": "Скала (от 3 до 10)",
    "fe.min_choices": "Най-малко избрани",
    "fe.max_choices": "Най-много избрани (празно: всички)",
    "fe.max_length": "Най-много знака (до 4000)",
    "fe.min": "Най-малко число",
    "fe.max": "Най-голямо число",
    "fe.options": "Отговори за избор",
    "fe.option": "Отговор {n}",
    "fe.option_id": "Идентификатор на отговор {n}",
    "fe.option_text": "Текст на отговор {n}",
    "fe.add_option": "Добави отговор",
    "fe.remove_option": "Премахни отговор {n}",
    "fe.when": "Показвай само ако (всички условия са изпълнени)",
    "fe.when_none": "Винаги се показва.",
    "fe.when_question": "Условие {n}: въпрос",
    "fe.when_test": "Условие {n}: проверка",
    "fe.when_value": "Условие {n}: стойност",
    "fe.add_condition": "Добави условие",
    "fe.remove_condition": "Премахни условие {n}",
    "fe.no_earlier": "Условията се отнасят до по-ранни въпроси; този е първи.",
    "fe.test.equals": "е равно на",
    "fe.test.any_of": "е някое от",
    "fe.test.min": "е поне",
    "fe.test.max": "е най-много",
    "fe.test.answered": "отговорен ли е",
    "fe.true": "да",
    "fe.false": "не",
    "fe.type.rating": "Оценка (звезди)",
    "fe.type.nps": "Препоръка (0–10)",
    "fe.type.single_choice": "Един избор",
    "fe.type.multi_choice": "Няколко избора",
    "fe.type.yes_no": "Да или не",
    "fe.type.text": "Свободен текст",
    "fe.type.number": "Число",
    "fe.up": "Нагоре",
    "fe.down": "Надолу",
    "fe.move_up": "Премести въпрос {n} нагоре",
    "fe.move_down": "Премести въпрос {n} надолу",
    "fe.remove": "Премахни въпрос {n}",
    "fe.add_question": "Добави въпрос",
    "fe.check": "Провери",
    "fe.try": "Пробвай",
    "fe.download": "Изтегли YAML",
    "fe.publish": "Публикувай",
    "fe.fine": "Анкетата е наред: {count} въпроса.",
    "fe.problems": "Анкетата има грешки ({count}); всяка е показана при въпроса си:",
    "fe.at_question": "Въпрос {n}: {message}",
    "fe.too_big": "Анкетата е по-голяма от 64 KB.",
    form_missing: "Няма анкета за проверка.",
    too_deep: "Анкетата е вложена твърде дълбоко.",
    not_text: "Анкетата съдържа знаци, които не са текст.",
  },
  en: {
    "fe.title": "Form editor",
    "fe.start_title": "New form",
    "fe.start_from": "Start from",
    "fe.blank": "A blank form",
    "fe.start": "Start",
    "fe.open_file": "Or open a YAML file (at most 64 KB)",
    "fe.back": "← All forms",
    "fe.back_to_editor": "← Back to the editor",
    "fe.form": "Form",
    "fe.id": "Id (lowercase letters, digits and -)",
    "fe.languages": "Languages",
    "fe.default_language": "Default language",
    "fe.anonymous": "Anonymous: answers are not linked to the citizen",
    "fe.repeatable": "May be answered more than once",
    "fe.window": "When answers are taken ({zone} time)",
    "fe.opens": "Opens (e.g. 2026-12-03 18:00; empty: no start)",
    "fe.closes": "Closes (e.g. 2026-12-05 18:00, or a date alone: at the end of that day; empty: no end)",
    "fe.window_hint": "With both empty, publishing leaves the form's window as it is (the forms list opens and closes it too).",
    "fe.inbox_title": "Messages to the municipality",
    "fe.inbox": "Each submission is a message to the municipality",
    "fe.inbox.message": "The message: a free text question",
    "fe.inbox.topic": "Its topic: a one-choice question (optional)",
    "fe.inbox.contact": "Consent to be contacted: a yes or no question (optional)",
    "fe.none": "none",
    "fe.form_title": "Title",
    "fe.intro": "Introduction (optional)",
    "fe.outro": "Thanks at the end (optional)",
    "fe.missing": "translation missing",
    "fe.question": "Question {n}: {id}",
    "fe.question_id": "Question id (lowercase letters, digits and _)",
    "fe.type": "Type",
    "fe.text": "Question text",
    "fe.required": "Required (no Skip button)",
    "fe.private": "Private: never shown in published results",
    "fe.scale": "Scale (3 to 10)",
    "fe.min_choices": "Fewest choices",
    "fe.max_choices": "Most choices (empty: all)",
    "fe.max_length": "Most characters (up to 4000)",
    "fe.min": "Smallest number",
    "fe.max": "Largest number",
    "fe.options": "Options",
    "fe.option": "Option {n}",
    "fe.option_id": "Id of option {n}",
    "fe.option_text": "Text of option {n}",
    "fe.add_option": "Add an option",
    "fe.remove_option": "Remove option {n}",
    "fe.when": "Show only if (every condition holds)",
    "fe.when_none": "Always shown.",
    "fe.when_question": "Condition {n}: question",
    "fe.when_test": "Condition {n}: test",
    "fe.when_value": "Condition {n}: value",
    "fe.add_condition": "Add a condition",
    "fe.remove_condition": "Remove condition {n}",
    "fe.no_earlier": "Conditions test earlier questions; this is the first one.",
    "fe.test.equals": "equals",
    "fe.test.any_of": "is any of",
    "fe.test.min": "is at least",
    "fe.test.max": "is at most",
    "fe.test.answered": "is answered",
    "fe.true": "yes",
    "fe.false": "no",
    "fe.type.rating": "Rating (stars)",
    "fe.type.nps": "Recommendation (0–10)",
    "fe.type.single_choice": "One choice",
    "fe.type.multi_choice": "Several choices",
    "fe.type.yes_no": "Yes or no",
    "fe.type.text": "Free text",
    "fe.type.number": "Number",
    "fe.up": "Up",
    "fe.down": "Down",
    "fe.move_up": "Move question {n} up",
    "fe.move_down": "Move question {n} down",
    "fe.remove": "Remove question {n}",
    "fe.add_question": "Add a question",
    "fe.check": "Check",
    "fe.try": "Try it",
    "fe.download": "Download YAML",
    "fe.publish": "Publish",
    "fe.fine": "The form is fine: {count} questions.",
    "fe.problems": "The form has {count} problem(s); each is shown at its question:",
    "fe.at_question": "Question {n}: {message}",
    "fe.too_big": "The form is larger than 64 KB.",
    form_missing: "There is no form to check.",
    too_deep: "The form is nested too deep.",
    not_text: "The form holds characters that are not text.",
  },
  tr: {
    "fe.title": "Anket düzenleyici",
    "fe.start_title": "Yeni anket",
    "fe.start_from": "Başlangıç",
    "fe.blank": "Boş bir anket",
    "fe.start": "Başla",
    "fe.open_file": "Veya bir YAML dosyası açın (en fazla 64 KB)",
    "fe.back": "← Tüm anketler",
    "fe.back_to_editor": "← Düzenleyiciye dön",
    "fe.form": "Anket",
    "fe.id": "Kimlik (küçük harfler, rakamlar ve -)",
    "fe.languages": "Diller",
    "fe.default_language": "Varsayılan dil",
    "fe.anonymous": "Anonim: yanıtlar vatandaşla ilişkilendirilmez",
    "fe.repeatable": "Birden fazla kez yanıtlanabilir",
    "fe.window": "Yanıtların alındığı zaman ({zone} saati)",
    "fe.opens": "Açılış (ör. 2026-12-03 18:00; boş: başlangıç yok)",
    "fe.closes": "Kapanış (ör. 2026-12-05 18:00 veya yalnızca tarih: o günün sonunda; boş: bitiş yok)",
    "fe.window_hint": "İkisi de boşsa yayımlama anketin zamanlarını olduğu gibi bırakır (anket listesi de onu açar ve kapatır).",
    "fe.inbox_title": "Belediyeye mesajlar",
    "fe.inbox": "Her yanıt belediyeye bir mesajdır",
    "fe.inbox.message": "Mesaj: serbest metin sorusu",
    "fe.inbox.topic": "Konusu: tek seçimli soru (isteğe bağlı)",
    "fe.inbox.contact": "İletişim onayı: evet/hayır sorusu (isteğe bağlı)",
    "fe.none": "yok",
    "fe.form_title": "Başlık",
    "fe.intro": "Giriş (isteğe bağlı)",
    "fe.outro": "Sondaki teşekkür (isteğe bağlı)",
    "fe.missing": "çeviri eksik",
    "fe.question": "Soru {n}: {id}",
    "fe.question_id": "Soru kimliği (küçük harfler, rakamlar ve _)",
    "fe.type": "Tür",
    "fe.text": "Soru metni",
    "fe.required": "Zorunlu (Atla düğmesi yok)",
    "fe.private": "Gizli: yayımlanan sonuçlarda asla gösterilmez",
    "fe.scale": "Ölçek (3 ile 10 arası)",
    "fe.min_choices": "En az seçim",
    "fe.max_choices": "En çok seçim (boş: tümü)",
    "fe.max_length": "En çok karakter (4000'e kadar)",
    "fe.min": "En küçük sayı",
    "fe.max": "En büyük sayı",
    "fe.options": "Seçenekler",
    "fe.option": "Seçenek {n}",
    "fe.option_id": "Seçenek {n} kimliği",
    "fe.option_text": "Seçenek {n} metni",
    "fe.add_option": "Seçenek ekle",
    "fe.remove_option": "Seçenek {n} kaldır",
    "fe.when": "Yalnızca şu durumda göster (tüm koşullar sağlanınca)",
    "fe.when_none": "Her zaman gösterilir.",
    "fe.when_question": "Koşul {n}: soru",
    "fe.when_test": "Koşul {n}: sınama",
    "fe.when_value": "Koşul {n}: değer",
    "fe.add_condition": "Koşul ekle",
    "fe.remove_condition": "Koşul {n} kaldır",
    "fe.no_earlier": "Koşullar önceki soruları sınar; bu ilk soru.",
    "fe.test.equals": "eşittir",
    "fe.test.any_of": "şunlardan biri",
    "fe.test.min": "en az",
    "fe.test.max": "en çok",
    "fe.test.answered": "yanıtlandı mı",
    "fe.true": "evet",
    "fe.false": "hayır",
    "fe.type.rating": "Puan (yıldız)",
    "fe.type.nps": "Tavsiye (0–10)",
    "fe.type.single_choice": "Tek seçim",
    "fe.type.multi_choice": "Çoklu seçim",
    "fe.type.yes_no": "Evet veya hayır",
    "fe.type.text": "Serbest metin",
    "fe.type.number": "Sayı",
    "fe.up": "Yukarı",
    "fe.down": "Aşağı",
    "fe.move_up": "Soru {n} yukarı taşı",
    "fe.move_down": "Soru {n} aşağı taşı",
    "fe.remove": "Soru {n} kaldır",
    "fe.add_question": "Soru ekle",
    "fe.check": "Kontrol et",
    "fe.try": "Dene",
    "fe.download": "YAML indir",
    "fe.publish": "Yayımla",
    "fe.fine": "Anket sorunsuz: {count} soru.",
    "fe.problems": "Ankette {count} sorun var; her biri kendi sorusunda gösteriliyor:",
    "fe.at_question": "Soru {n}: {message}",
    "fe.too_big": "Anket 64 KB'tan büyük.",
    form_missing: "Kontrol edilecek anket yok.",
    too_deep: "Anket çok derin iç içe.",
    not_text: "Ankette metin olmayan karakterler var.",
  },
});

const FE_LANGUAGES = { bg: "български", en: "English", tr: "Türkçe" };
const FE_TYPES = ["rating", "nps", "single_choice", "multi_choice", "yes_no", "text", "number"];
const FE_CHOICE = ["single_choice", "multi_choice"];
const FE_NUMERIC = ["rating", "nps", "number"];
// The keys that apply only to some types (flows/schema.py's _ONLY_FOR).
const FE_ONLY_FOR = {
  scale: ["rating"],
  options: FE_CHOICE,
  min_choices: ["multi_choice"],
  max_choices: ["multi_choice"],
  max_length: ["text"],
  min: ["number"],
  max: ["number"],
};
const FE_MAX_BYTES = 64 * 1024;

let feModel = null; // the form being edited
let feNotice = null; // what the last action said: {message, failed} or {problems}
let feZone = ""; // TIMEZONE, which the window's times are written in

function feIsMap(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function feNormalized(model) {
  // A model read from a file may have any shape: the editor draws maps and lists where the
  // format has them, and the check names what was wrong.
  const form = feIsMap(model) ? model : {};
  if (!Array.isArray(form.languages)) {
    form.languages = ["bg"];
  }
  form.questions = (Array.isArray(form.questions) ? form.questions : []).map((q) => (feIsMap(q) ? q : {}));
  for (const question of form.questions) {
    if ("options" in question) {
      question.options = (Array.isArray(question.options) ? question.options : []).map((o) => (feIsMap(o) ? o : {}));
    }
    if ("when" in question && !feIsMap(question.when)) {
      question.when = {};
    }
  }
  return form;
}

async function formEditorStart() {
  const main = document.getElementById("main");
  let body;
  try {
    body = await api("form-editor/starters");
  } catch (error) {
    showError(error.message);
    return;
  }
  feZone = body.zone;
  const choice = node("select", { id: "fe-start" }, node("option", { value: "" }, text("fe.blank")));
  for (const form of body.library) {
    choice.append(node("option", { value: form.id }, `${form.title} (${form.id})`));
  }
  const start = node("button", { type: "submit" }, text("fe.start"));
  const file = node("input", { id: "fe-file", type: "file", accept: ".yaml,.yml,text/yaml" });
  const result = node("div", { role: "alert", id: "fe-start-result" });
  const form = node(
    "form",
    { class: "tool" },
    node("div", { class: "field" }, node("label", { for: "fe-start" }, text("fe.start_from")), choice),
    start,
    node("div", { class: "field" }, node("label", { for: "fe-file" }, text("fe.open_file")), file),
    result,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (choice.value) {
      formEditorOpen(`form-editor/library/${encodeURIComponent(choice.value)}`);
    } else {
      feEdit(structuredClone(body.blank));
    }
  });
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    if (!chosen) {
      return;
    }
    if (chosen.size > FE_MAX_BYTES) {
      result.replaceChildren(node("p", { class: "error" }, text("fe.too_big")));
      return;
    }
    const { ok, body: read } = await formsPost("form-editor/read", { yaml: await chosen.text() });
    if (ok) {
      feEdit(read.form);
      return;
    }
    const problems = (read.problems || []).map((p) =>
      node("li", {}, text("forms.problem", { line: p.line, path: p.path ? `${p.path}:` : "", message: loaderText(p) })),
    );
    result.replaceChildren(
      node("p", { class: "error" }, formsErrorText(read)),
      problems.length ? node("ul", { class: "problems" }, ...problems) : "",
    );
  });
  main.replaceChildren(feBackButton(), node("h2", {}, text("fe.start_title")), form);
}

async function formEditorOpen(path) {
  document.getElementById("main").replaceChildren(node("p", { role: "status" }, text("loading")));
  try {
    const body = await api(path);
    feZone = body.zone;
    feEdit(body.form);
  } catch (error) {
    showError(error.message);
  }
}

function feEdit(model) {
  feModel = feNormalized(model);
  feNotice = null;
  feRender();
  document.getElementById("fe-heading").focus();
}

function feBackButton() {
  const back = node("button", { type: "button", class: "link" }, text("fe.back"));
  back.addEventListener("click", () => load(showForms, "forms"));
  return back;
}

function feRender() {
  // Drawn again after every change of structure; the focus stays on the same control.
  const focused = document.activeElement && document.activeElement.id;
  const questions = feModel.questions.map((question, index) => feQuestion(question, index));
  const add = feButton(text("fe.add_question"), () => {
    feModel.questions.push(feNewQuestion());
    feRender();
  }, { id: "fe-add-question" });
  document.getElementById("main").replaceChildren(
    feBackButton(),
    node("h2", { id: "fe-heading", tabindex: "-1" }, text("fe.title")),
    feFormSettings(),
    ...questions,
    add,
    feActions(),
  );
  if (focused) {
    // The same control, else (it was removed) the editor's heading.
    (document.getElementById(focused) || document.getElementById("fe-heading")).focus();
  }
  if (feNotice && feNotice.problems) {
    feShowProblems(feNotice.problems);
  }
}

function feButton(label, act, attributes = {}) {
  const button = node("button", { type: "button", class: "action", ...attributes }, label);
  button.addEventListener("click", act);
  return button;
}

function feField(id, label, control, path) {
  control.id = id;
  if (path) {
    control.dataset.path = path;
  }
  return node("div", { class: "field" }, node("label", { for: id }, label), control);
}

function feCheckbox(id, label, checked, change) {
  const box = node("input", { id, type: "checkbox" });
  box.checked = checked;
  box.addEventListener("change", () => change(box.checked));
  return node("div", { class: "field check" }, box, node("label", { for: id }, label));
}

function feSelect(choices, chosen) {
  // choices: [value, label]; a value not among them (from a file) is kept, shown as written.
  const select = node("select", {});
  const known = choices.some(([value]) => value === chosen);
  for (const [value, label] of known || chosen === undefined ? choices : [[chosen, String(chosen)], ...choices]) {
    const option = node("option", { value }, label);
    option.selected = value === chosen;
    select.append(option);
  }
  return select;
}

function feNumber(owner, key, id, label, path) {
  // Empty removes the key (the format's default applies); anything else is sent as written.
  const input = node("input", { type: "number", inputmode: "decimal" });
  input.value = owner[key] === undefined ? "" : String(owner[key]);
  input.addEventListener("input", () => {
    const value = input.value.trim();
    if (value === "") {
      delete owner[key];
    } else {
      owner[key] = Number(value);
    }
  });
  return feField(id, label, input, path);
}

function feTexts(owner, key, id, label, path, optional) {
  // One input per language of the form, side by side (stacked on a phone); an empty one is
  // flagged "translation missing" while the text is required or written in another language.
  const texts = feIsMap(owner[key]) ? owner[key] : {};
  if (!optional) {
    owner[key] = texts;
  }
  const group = node("fieldset", { class: "fe-texts", "data-path": path }, node("legend", {}, label));
  const row = node("div", { class: "fe-languages" });
  const flags = [];
  const refresh = () => {
    const written = feModel.languages.some((lang) => (texts[lang] || "").trim());
    for (const [lang, input, flag] of flags) {
      const missing = !(texts[lang] || "").trim() && (!optional || written);
      flag.hidden = !missing;
      feDescribe(input, flag.id, missing);
    }
  };
  for (const lang of feModel.languages) {
    const inputId = `${id}-${lang}`;
    const input = node("textarea", { id: inputId, rows: "2", lang, autocomplete: "off" });
    input.value = typeof texts[lang] === "string" ? texts[lang] : "";
    const flag = node("span", { class: "fe-missing", id: `${inputId}-missing` }, `⚠ ${text("fe.missing")}`);
    input.addEventListener("input", () => {
      feSet(texts, lang, input.value);
      if (optional && !feModel.languages.some((code) => (texts[code] || "").trim())) {
        delete owner[key];
      } else {
        owner[key] = texts;
      }
      refresh();
    });
    flags.push([lang, input, flag]);
    const name = feLanguageName(lang);
    row.append(node("div", { class: "fe-language" }, node("label", { for: inputId }, name), input, flag));
  }
  if (optional && !Object.values(texts).some((value) => String(value).trim())) {
    delete owner[key];
  }
  group.append(row);
  refresh();
  return group;
}

function feSet(map, key, value) {
  // Keys come from the form (question ids, languages): "__proto__" too stays a plain key.
  Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
}

function feLanguageName(lang) {
  return Object.hasOwn(FE_LANGUAGES, lang) ? FE_LANGUAGES[lang] : String(lang);
}

function feDescribe(element, id, on) {
  const ids = new Set((element.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
  if (on) {
    ids.add(id);
  } else {
    ids.delete(id);
  }
  if (ids.size) {
    element.setAttribute("aria-describedby", [...ids].join(" "));
  } else {
    element.removeAttribute("aria-describedby");
  }
}

function feFormSettings() {
  const form = feModel;
  const id = node("input", { type: "text", autocomplete: "off", spellcheck: "false" });
  id.value = typeof form.id === "string" ? form.id : "";
  id.addEventListener("input", () => {
    form.id = id.value.trim();
  });
  const offered = [...new Set([...Object.keys(FE_LANGUAGES), ...form.languages.map(String)])];
  const languages = node("fieldset", { "data-path": "languages" }, node("legend", {}, text("fe.languages")));
  for (const lang of offered) {
    languages.append(
      feCheckbox(`fe-language-${offered.indexOf(lang)}`, feLanguageName(lang), form.languages.includes(lang), (on) => {
        const kept = form.languages.filter((code) => code !== lang);
        form.languages = on ? [...kept, lang] : kept;
        feRender();
      }),
    );
  }
  const fallback = feSelect(
    form.languages.map((lang) => [lang, feLanguageName(lang)]),
    form.languages[0],
  );
  fallback.addEventListener("change", () => {
    form.languages = [fallback.value, ...form.languages.filter((code) => code !== fallback.value)];
    feRender();
  });
  return node(
    "section",
    { class: "fe-form", "aria-labelledby": "fe-form-title" },
    node("h3", { id: "fe-form-title" }, text("fe.form")),
    feField("fe-id", text("fe.id"), id, "id"),
    languages,
    form.languages.length ? feField("fe-default-language", text("fe.default_language"), fallback) : "",
    feCheckbox("fe-anonymous", text("fe.anonymous"), form.anonymous === true, (on) => {
      form.anonymous = on;
    }),
    feCheckbox("fe-repeatable", text("fe.repeatable"), form.repeatable === true, (on) => {
      form.repeatable = on;
    }),
    feInbox(form),
    feWindow(form),
    feTexts(form, "title", "fe-title", text("fe.form_title"), "title", false),
    feTexts(form, "intro", "fe-intro", text("fe.intro"), "intro", true),
    feTexts(form, "outro", "fe-outro", text("fe.outro"), "outro", true),
  );
}

function feWindow(form) {
  // `opens` and `closes` as a file writes them, in TIMEZONE; the loader reads and checks them
  // (a time it cannot read, closing before opening) as it does a file's.
  const bound = (key, id, label) => {
    const input = node("input", { type: "text", autocomplete: "off", spellcheck: "false" });
    input.value = form[key] === undefined ? "" : String(form[key]);
    input.addEventListener("input", () => {
      const value = input.value.trim();
      if (value === "") {
        delete form[key];
      } else {
        form[key] = value;
      }
    });
    return feField(id, label, input, key);
  };
  return node(
    "fieldset",
    { class: "fe-window", "aria-describedby": "fe-window-hint" },
    node("legend", {}, text("fe.window", { zone: feZone })),
    bound("opens", "fe-opens", text("fe.opens")),
    bound("closes", "fe-closes", text("fe.closes")),
    node("p", { class: "hint", id: "fe-window-hint" }, text("fe.window_hint")),
  );
}

// `inbox`: which questions make each submission a message to the municipality, and the type
// each must have (flows/schema.py's INBOX_QUESTION_TYPES).
const FE_INBOX = { message: "text", topic: "single_choice", contact: "yes_no" };

function feInbox(form) {
  const group = node("fieldset", { "data-path": "inbox" }, node("legend", {}, text("fe.inbox_title")));
  const on = feIsMap(form.inbox);
  group.append(
    feCheckbox("fe-inbox", text("fe.inbox"), on, (checked) => {
      if (checked) {
        const first = form.questions.find((q) => q.type === "text");
        form.inbox = { message: first ? first.id : "" };
      } else {
        delete form.inbox;
      }
      feRender();
    }),
  );
  if (!on) {
    return group;
  }
  for (const [role, type] of Object.entries(FE_INBOX)) {
    const fitting = form.questions.filter((q) => q.type === type && typeof q.id === "string" && q.id);
    const choices = fitting.map((q) => [q.id, `${form.questions.indexOf(q) + 1}. ${q.id}`]);
    const select = feSelect(role === "message" ? choices : [["", text("fe.none")], ...choices], form.inbox[role]);
    for (const option of select.options) {
      const at = fitting.find((q) => q.id === option.value);
      if (at) {
        option.dataset.question = String(form.questions.indexOf(at));
      }
    }
    select.addEventListener("change", () => {
      if (select.value) {
        form.inbox[role] = select.value;
      } else {
        delete form.inbox[role];
      }
    });
    group.append(feField(`fe-inbox-${role}`, text(`fe.inbox.${role}`), select, `inbox.${role}`));
  }
  return group;
}

function feBlankTexts() {
  return Object.fromEntries(feModel.languages.map((lang) => [lang, ""]));
}

function feFreeId(prefix, taken) {
  let n = taken.length + 1;
  while (taken.includes(`${prefix}${n}`)) {
    n += 1;
  }
  return `${prefix}${n}`;
}

function feNewQuestion() {
  const id = feFreeId("q", feModel.questions.map((q) => q.id));
  return { id, type: "rating", text: feBlankTexts() };
}

function feSetType(question, type) {
  question.type = type;
  for (const [key, types] of Object.entries(FE_ONLY_FOR)) {
    if (!types.includes(type)) {
      delete question[key];
    }
  }
  if (FE_CHOICE.includes(type) && !(question.options && question.options.length)) {
    question.options = [
      { id: "option_1", text: feBlankTexts() },
      { id: "option_2", text: feBlankTexts() },
    ];
  }
}

function feQuestion(question, index) {
  const n = index + 1;
  const base = `fe-q${index}`;
  const path = `questions[${index}]`;
  const heading = node("h3", { id: `${base}-heading` }, text("fe.question", { n, id: question.id || "" }));
  const id = node("input", { type: "text", autocomplete: "off", spellcheck: "false" });
  id.value = typeof question.id === "string" ? question.id : "";
  id.addEventListener("input", () => {
    const before = question.id;
    question.id = id.value.trim();
    heading.textContent = text("fe.question", { n, id: question.id });
    feRenameQuestion(index, before, question.id);
  });
  const types = feSelect(
    FE_TYPES.map((type) => [type, text(`fe.type.${type}`)]),
    question.type,
  );
  types.addEventListener("change", () => {
    feSetType(question, types.value);
    feRender();
  });
  const effectivePrivate = question.private === undefined ? question.type === "text" : question.private === true;
  const section = node(
    "section",
    { class: "fe-question", "aria-labelledby": `${base}-heading`, "data-path": path },
    heading,
    feField(`${base}-id`, text("fe.question_id"), id, `${path}.id`),
    feField(`${base}-type`, text("fe.type"), types, `${path}.type`),
    feTexts(question, "text", `${base}-text`, text("fe.text"), `${path}.text`, false),
    feCheckbox(`${base}-required`, text("fe.required"), question.required !== false, (on) => {
      question.required = on;
    }),
    feCheckbox(`${base}-private`, text("fe.private"), effectivePrivate, (on) => {
      question.private = on;
    }),
    ...feTypeFields(question, base, path),
    feConditions(question, index),
    feQuestionMoves(index),
  );
  return section;
}

function feTypeFields(question, base, path) {
  const type = question.type;
  const fields = [];
  if (type === "rating") {
    fields.push(feNumber(question, "scale", `${base}-scale`, text("fe.scale"), `${path}.scale`));
  }
  if (FE_CHOICE.includes(type)) {
    fields.push(feOptions(question, base, path));
  }
  if (type === "multi_choice") {
    fields.push(
      feNumber(question, "min_choices", `${base}-min-choices`, text("fe.min_choices"), `${path}.min_choices`),
      feNumber(question, "max_choices", `${base}-max-choices`, text("fe.max_choices"), `${path}.max_choices`),
    );
  }
  if (type === "text") {
    fields.push(feNumber(question, "max_length", `${base}-max-length`, text("fe.max_length"), `${path}.max_length`));
  }
  if (type === "number") {
    fields.push(
      feNumber(question, "min", `${base}-min`, text("fe.min"), `${path}.min`),
      feNumber(question, "max", `${base}-max`, text("fe.max"), `${path}.max`),
    );
  }
  return fields;
}

// Renaming a question or an option renames what the conditions of later questions say, in
// the model and in their lists, without drawing the page again (the focus stays put).
function feRenameQuestion(index, before, after) {
  const inbox = feModel.inbox;
  for (const role of feIsMap(inbox) ? Object.keys(FE_INBOX) : []) {
    if (inbox[role] === before) {
      inbox[role] = after;
    }
  }
  for (const later of feModel.questions.slice(index + 1)) {
    if (feIsMap(later.when) && Object.hasOwn(later.when, before)) {
      later.when = Object.fromEntries(
        Object.entries(later.when).map(([key, test]) => [key === before ? after : key, test]),
      );
    }
  }
  for (const option of document.querySelectorAll(`option[data-question="${index}"]`)) {
    option.value = after;
    option.textContent = `${index + 1}. ${after}`;
  }
}

function feRenameOption(question, index, before, after) {
  for (const later of feModel.questions.slice(index + 1)) {
    const test = feIsMap(later.when) ? later.when[question.id] : undefined;
    if (!feIsMap(test)) {
      continue;
    }
    if (test.equals === before) {
      test.equals = after;
    }
    if (Array.isArray(test.any_of)) {
      test.any_of = test.any_of.map((value) => (value === before ? after : value));
    }
  }
  for (const choice of document.querySelectorAll(`[data-option-of="${index}"]`)) {
    if (choice.value === before) {
      choice.value = after;
      if (choice.tagName === "OPTION") {
        choice.textContent = feOptionLabel(question.options.find((option) => option.id === after));
      }
    }
  }
}

function feOptions(question, base, path) {
  const options = question.options || [];
  const group = node("fieldset", { class: "fe-options", "data-path": `${path}.options` }, node("legend", {}, text("fe.options")));
  options.forEach((option, k) => {
    const n = k + 1;
    const id = node("input", { type: "text", autocomplete: "off", spellcheck: "false" });
    id.value = typeof option.id === "string" ? option.id : "";
    id.addEventListener("input", () => {
      const before = option.id;
      option.id = id.value.trim();
      feRenameOption(question, feModel.questions.indexOf(question), before, option.id);
    });
    const remove = feButton(text("fe.remove_option", { n }), () => {
      options.splice(k, 1);
      feRender();
    }, { id: `${base}-option-${k}-remove` });
    group.append(
      node(
        "div",
        { class: "fe-option", "data-path": `${path}.options[${k}]` },
        feField(`${base}-option-${k}-id`, text("fe.option_id", { n }), id, `${path}.options[${k}].id`),
        feTexts(option, "text", `${base}-option-${k}-text`, text("fe.option_text", { n }), `${path}.options[${k}].text`, false),
        remove,
      ),
    );
  });
  group.append(
    feButton(text("fe.add_option"), () => {
      options.push({ id: feFreeId("option_", options.map((o) => o.id)), text: feBlankTexts() });
      question.options = options;
      feRender();
    }, { id: `${base}-add-option` }),
  );
  return group;
}

function feTestsFor(target) {
  const type = target ? target.type : undefined;
  if (FE_CHOICE.includes(type)) {
    return ["equals", "any_of", "answered"];
  }
  if (type === "yes_no") {
    return ["equals", "answered"];
  }
  if (FE_NUMERIC.includes(type)) {
    return ["min", "max", "equals", "answered"];
  }
  return ["answered"];
}

function feStartValue(target, test) {
  // What a new test compares with, until the staff member picks otherwise.
  const type = target ? target.type : undefined;
  if (test === "answered") {
    return true;
  }
  if (test === "any_of") {
    return [];
  }
  if (test === "equals" && FE_CHOICE.includes(type)) {
    return ((target.options || [])[0] || {}).id;
  }
  if (type === "yes_no") {
    return true;
  }
  return type === "nps" ? 0 : 1;
}

function feDefaultTest(target) {
  const test = feTestsFor(target)[0];
  return { [test]: feStartValue(target, test) };
}

function feConditions(question, index) {
  // `when`: earlier question -> one test; every test must hold for the question to show.
  const base = `fe-q${index}-when`;
  const path = `questions[${index}].when`;
  const earlier = feModel.questions.slice(0, index).filter((q) => typeof q.id === "string" && q.id);
  const group = node("fieldset", { class: "fe-when", "data-path": path }, node("legend", {}, text("fe.when")));
  const when = feIsMap(question.when) ? question.when : {};
  const refs = Object.keys(when);
  if (!refs.length) {
    group.append(node("p", { class: "hint" }, text("fe.when_none")));
  }
  refs.forEach((ref, k) => {
    group.append(feCondition(question, ref, k, earlier, `${base}-${k}`, `${path}.${ref}`));
  });
  if (!earlier.length) {
    group.append(node("p", { class: "hint" }, text("fe.no_earlier")));
    return group;
  }
  const unused = earlier.filter((q) => !Object.hasOwn(when, q.id));
  if (unused.length) {
    group.append(
      feButton(text("fe.add_condition"), () => {
        feSet(when, unused[0].id, feDefaultTest(unused[0]));
        question.when = when;
        feRender();
      }, { id: `${base}-add` }),
    );
  }
  return group;
}

function feCondition(question, ref, k, earlier, id, path) {
  // The k-th test of `when`; its key is read again at each change (a renamed question).
  const n = k + 1;
  const current = () => Object.keys(question.when)[k];
  const target = earlier.find((q) => q.id === ref);
  const test = feIsMap(question.when[ref]) ? question.when[ref] : {};
  const kind = Object.keys(test)[0];
  const replace = (entries) => {
    question.when = Object.fromEntries(entries); // the order of the tests is kept
    feRender();
  };
  const questions = feSelect(
    earlier.map((q) => [q.id, `${feModel.questions.indexOf(q) + 1}. ${q.id}`]),
    ref,
  );
  for (const option of questions.options) {
    const at = earlier.find((q) => q.id === option.value);
    if (at) {
      option.dataset.question = String(feModel.questions.indexOf(at));
    }
  }
  questions.addEventListener("change", () => {
    const chosen = earlier.find((q) => q.id === questions.value);
    const entries = Object.entries(question.when);
    replace(entries.map(([key, value]) => (key === current() ? [chosen.id, feDefaultTest(chosen)] : [key, value])));
  });
  const tests = feSelect(
    feTestsFor(target).map((name) => [name, text(`fe.test.${name}`)]),
    kind,
  );
  tests.addEventListener("change", () => {
    feSet(question.when, current(), { [tests.value]: feStartValue(target, tests.value) });
    feRender();
  });
  const remove = feButton(text("fe.remove_condition", { n }), () => {
    replace(Object.entries(question.when).filter(([key]) => key !== current()));
  }, { id: `${id}-remove` });
  return node(
    "div",
    { class: "fe-condition", "data-path": path },
    feField(`${id}-question`, text("fe.when_question", { n }), questions),
    feField(`${id}-test`, text("fe.when_test", { n }), tests),
    feConditionValue(target, test, kind, id, n),
    remove,
  );
}

function feConditionValue(target, test, kind, id, n) {
  // The value is picked from what the earlier question offers: its options, yes or no.
  const label = text("fe.when_value", { n });
  const type = target ? target.type : undefined;
  const yesNo = [[true, text("fe.true")], [false, text("fe.false")]];
  if (kind === "answered" || (kind === "equals" && type === "yes_no")) {
    const select = feSelect(yesNo.map(([value, name]) => [String(value), name]), String(test[kind]));
    select.addEventListener("change", () => {
      test[kind] = select.value === "true";
    });
    return feField(`${id}-value`, label, select);
  }
  const of = String(feModel.questions.indexOf(target));
  if (FE_CHOICE.includes(type) && kind === "equals") {
    const select = feSelect(feOptionChoices(target), test.equals);
    for (const option of select.options) {
      option.dataset.optionOf = of;
    }
    select.addEventListener("change", () => {
      test.equals = select.value;
    });
    return feField(`${id}-value`, label, select);
  }
  if (FE_CHOICE.includes(type) && kind === "any_of") {
    const chosen = Array.isArray(test.any_of) ? test.any_of : [];
    const group = node("fieldset", {}, node("legend", {}, label));
    feOptionChoices(target).forEach(([value, name], k) => {
      const field = feCheckbox(`${id}-value-${k}`, name, chosen.includes(value), (on) => {
        const now = box.value; // renamed since drawn, perhaps
        const others = test.any_of.filter((v) => v !== now);
        test.any_of = on ? [...others, now] : others;
      });
      const box = field.querySelector("input");
      box.value = value;
      box.dataset.optionOf = of;
      group.append(field);
    });
    test.any_of = chosen;
    return group;
  }
  if (kind === undefined) {
    return "";
  }
  return feNumber(test, kind, `${id}-value`, label);
}

function feOptionChoices(target) {
  return (target.options || []).map((option) => [option.id, feOptionLabel(option)]);
}

function feOptionLabel(option) {
  const lang = feModel.languages[0];
  const written = feIsMap(option.text) && typeof option.text[lang] === "string" ? option.text[lang] : "";
  return written ? `${written} (${option.id})` : String(option.id);
}

function feQuestionMoves(index) {
  const n = index + 1;
  const questions = feModel.questions;
  const move = (to) => {
    const [question] = questions.splice(index, 1);
    questions.splice(to, 0, question);
    feRender();
  };
  const buttons = node("div", { class: "fe-moves" });
  if (index > 0) {
    buttons.append(feButton(text("fe.up"), () => move(index - 1), { "aria-label": text("fe.move_up", { n }), id: `fe-q${index}-up` }));
  }
  if (index < questions.length - 1) {
    buttons.append(feButton(text("fe.down"), () => move(index + 1), { "aria-label": text("fe.move_down", { n }), id: `fe-q${index}-down` }));
  }
  buttons.append(
    feButton(text("fe.remove", { n }), () => {
      questions.splice(index, 1);
      feRender();
    }, { class: "action danger", id: `fe-q${index}-remove` }),
  );
  return buttons;
}

function feActions() {
  const result = node("div", { id: "fe-result", role: "alert" });
  if (feNotice && feNotice.message) {
    result.append(node("p", { class: feNotice.failed ? "error" : "" }, feNotice.message));
  }
  const check = feButton(text("fe.check"), () => feSend("form-editor/check", (body) => text("fe.fine", { count: body.questions.length })), { id: "fe-check" });
  const tryIt = feButton(text("fe.try"), async () => {
    if (await feSend("form-editor/check", () => "")) {
      const back = () => {
        feRender();
        document.getElementById("fe-heading").focus();
      };
      const leave = { label: text("fe.back_to_editor"), go: back };
      formsTry("form-editor/preview", { form: feSent() }, [], leave);
    }
  }, { id: "fe-try" });
  const download = feButton(text("fe.download"), () => feDownload(), { id: "fe-download" });
  const publish = feButton(text("fe.publish"), () =>
    feSend("form-editor/publish", (body) => text(body.created ? "forms.published" : "forms.unchanged", body)),
    { id: "fe-publish" },
  );
  return node("div", { class: "fe-actions" }, check, tryIt, download, publish, result);
}

function feSent() {
  // The form as sent: texts in the form's languages only (one unticked keeps its texts on
  // the page, in case it is ticked again, but they are not published).
  const form = structuredClone(feModel);
  const keep = (texts) => {
    for (const lang of feIsMap(texts) ? Object.keys(texts) : []) {
      if (!form.languages.includes(lang)) {
        delete texts[lang];
      }
    }
  };
  ["title", "intro", "outro"].forEach((key) => keep(form[key]));
  for (const question of form.questions) {
    keep(question.text);
    (Array.isArray(question.options) ? question.options : []).forEach((option) => keep(option.text));
  }
  return form;
}

function feTooBig() {
  if (new Blob([JSON.stringify({ form: feSent() })]).size <= FE_MAX_BYTES) {
    return false;
  }
  feNotice = { message: text("fe.too_big"), failed: true };
  feRender();
  return true;
}

async function feSend(path, done) {
  // Check or publish: the problems come back by path, each shown where it belongs.
  if (feTooBig()) {
    return false;
  }
  const { ok, body } = await formsPost(path, { form: feSent() });
  if (ok) {
    feNotice = { message: done(body), failed: false };
  } else if (body.problems && body.problems.length) {
    feNotice = { problems: body.problems };
  } else {
    feNotice = { message: formsErrorText(body), failed: true };
  }
  feRender();
  return ok;
}

function feShowProblems(problems) {
  const main = document.getElementById("main");
  const placed = [...main.querySelectorAll("[data-path]")];
  const list = node("ul", { class: "problems" });
  problems.forEach((problem, k) => {
    const id = `fe-problem-${k}`;
    const said = problem.question === null || problem.question === undefined
      ? `${problem.path ? `${problem.path}: ` : ""}${loaderText(problem)}`
      : text("fe.at_question", { n: problem.question + 1, message: loaderText(problem) });
    list.append(node("li", {}, said));
    const target = feTargetOf(problem.path, placed);
    if (!target) {
      return;
    }
    // Shown under the field, or under the heading of its group; read out with its inputs (a
    // question's own problem with its id and type).
    const note = node("p", { class: "fe-problem error", id }, loaderText(problem));
    let inputs = [target];
    if (target.matches("section")) {
      inputs = target.querySelectorAll(":scope > .field > :is(input, select)");
    } else if (target.matches("fieldset, .fe-option, .fe-condition")) {
      inputs = target.querySelectorAll(":is(input, select, textarea)");
    }
    if (inputs[0] === target) {
      target.closest(".field").after(note);
    } else {
      (target.querySelector(":scope > legend, :scope > h3") || target.firstChild).after(note);
    }
    for (const input of inputs) {
      feDescribe(input, id, true);
      input.setAttribute("aria-invalid", "true");
    }
  });
  const result = document.getElementById("fe-result");
  result.replaceChildren(node("p", { class: "error" }, text("fe.problems", { count: problems.length })), list);
}

function feTargetOf(path, placed) {
  // The element of the path, else of its nearest parent: questions[1].when.visits, then
  // questions[1].when, then questions[1].
  let at = path || "";
  while (at) {
    const found = placed.find((element) => element.dataset.path === at);
    if (found) {
      return found;
    }
    const cut = Math.max(at.lastIndexOf("."), at.lastIndexOf("["));
    at = cut > 0 ? at.slice(0, cut) : "";
  }
  return null;
}

async function feDownload() {
  // Inside Telegram the server keeps the YAML a minute or two and Telegram's app fetches it
  // by a download link (a form is too big for a link); elsewhere it comes at once.
  if (feTooBig()) {
    return;
  }
  const form = feSent();
  try {
    const kept = telegramDownloads() ? await formsPost("form-editor/draft", { form }) : null;
    if (kept && !kept.ok) {
      throw Object.assign(new Error(kept.body.error || "failed"), { body: kept.body });
    }
    const params = kept ? { draft: kept.body.draft } : {};
    const saved = await saveFile("form-draft", params, { path: "form-editor/yaml", payload: { form } });
    feNotice = { message: savedText(saved), failed: false };
  } catch (error) {
    const body = error.body || { error: error.message };
    feNotice = body.problems && body.problems.length
      ? { problems: body.problems }
      : { message: formsErrorText(body), failed: true };
  }
  feRender();
}
