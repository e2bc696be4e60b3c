// The console's forms: the published forms and their windows, a form's YAML to download, an
// upload checked by the same loader as `feedback-admin flows validate` (each problem shown
// at its line), publishing, opening and closing, and a preview answered as a citizen would.
// The form editor (form_editor.js) opens from here: a new form, or a published one to change.
"use strict";

addTexts({
  bg: {
    "forms.tab": "Анкети",
    "forms.title": "Анкети",
    "forms.none": "Още няма публикувани анкети.",
    "forms.line": "версия {version} · отговори: {responses}",
    "forms.open": "отворена",
    "forms.open_until": "отворена до {at}",
    "forms.not_yet_open": "отваря на {at}",
    "forms.closed": "затворена от {at}",
    "forms.download": "Изтегли YAML",
    "forms.edit": "Редактирай",
    "forms.new": "Нова анкета",
    "forms.try": "Пробвай",
    "forms.open_now": "Отвори сега",
    "forms.close_now": "Затвори",
    "forms.close_at": "Затвори на (напр. 2026-12-05 12:00; празно: сега)",
    "forms.shared": "Анкетите са общи за всички общини: променя ги администратор или организатор без община.",
    "forms.upload": "Качи анкета (YAML, до 64 KB)",
    "forms.file": "Или изберете файл",
    "forms.check": "Провери",
    "forms.publish": "Публикувай",
    "forms.checked": "Анкетата „{id}“ е наред: {count} въпроса.",
    "forms.published": "„{id}“ е публикувана, версия {version}.",
    "forms.unchanged": "„{id}“ не е променена: остава версия {version}.",
    "forms.problems": "Анкетата не е записана. Поправете и опитайте отново:",
    "forms.problem": "ред {line}: {path} {message}",
    "forms.too_big": "Файлът е по-голям от 64 KB.",
    "forms.saved": "Готово.",
    "forms.back": "← Всички анкети",
    "forms.answer": "Отговор",
    "forms.send": "Изпрати",
    "forms.skip": "Пропусни",
    "forms.done": "Готово",
    "forms.end": "Краят на анкетата. Нищо не е записано.",
    "forms.again": "Отначало",
    "forms.yes": "Да",
    "forms.no": "Не",
    bad_time: "Напишете времето така: 2026-12-05 12:00 или само дата.",
    would_never_open: "Анкетата отваря след това време и никога не би се отворила; изберете по-късно време или затворете сега.",
    forms_shared: "Анкетите са общи за всички общини: променя ги администратор или организатор без община.",
    invalid_form: "Анкетата има грешки.",
    yaml_missing: "Поставете текста на анкетата.",
    "refused.needs_button": "Отговорете с бутоните под въпроса.",
    "refused.needs_text": "Напишете отговора си.",
    "refused.empty": "Напишете отговора си.",
    "refused.too_long": "Отговорът е дълъг {length} знака; ограничението е {max}.",
    "refused.not_a_number": "Изпратете число, например 42.",
    "refused.out_of_range": "Изпратете число в разрешените граници.",
    "refused.too_few_choices": "Изберете поне {min}, после натиснете „Готово“.",
    "refused.too_many_choices": "Може да изберете най-много {max}.",
    "refused.required": "Този въпрос изисква отговор.",
    "refused.stale": "Този бутон вече не е активен.",
    "refused.unknown_option": "Този бутон вече не е активен.",
  },
  en: {
    "forms.tab": "Forms",
    "forms.title": "Forms",
    "forms.none": "No forms are published yet.",
    "forms.line": "version {version} · responses: {responses}",
    "forms.open": "open",
    "forms.open_until": "open until {at}",
    "forms.not_yet_open": "opens {at}",
    "forms.closed": "closed since {at}",
    "forms.download": "Download YAML",
    "forms.edit": "Edit",
    "forms.new": "New form",
    "forms.try": "Try it",
    "forms.open_now": "Open now",
    "forms.close_now": "Close",
    "forms.close_at": "Close at (e.g. 2026-12-05 12:00; empty: now)",
    "forms.shared": "Forms serve every municipality: an admin or an organizer without a municipality changes them.",
    "forms.upload": "Upload a form (YAML, at most 64 KB)",
    "forms.file": "Or choose a file",
    "forms.check": "Check",
    "forms.publish": "Publish",
    "forms.checked": "The form “{id}” is fine: {count} questions.",
    "forms.published": "“{id}” is published, version {version}.",
    "forms.unchanged": "“{id}” has not changed: it stays at version {version}.",
    "forms.problems": "The form is not saved. Correct it and try again:",
    "forms.problem": "line {line}: {path} {message}",
    "forms.too_big": "The file is larger than 64 KB.",
    "forms.saved": "Done.",
    "forms.back": "← All forms",
    "forms.answer": "Answer",
    "forms.send": "Send",
    "forms.skip": "Skip",
    "forms.done": "Done",
    "forms.end": "End of the form. Nothing was stored.",
    "forms.again": "Start again",
    "forms.yes": "Yes",
    "forms.no": "No",
    bad_time: "Write the time as 2026-12-05 12:00, or a date alone.",
    would_never_open: "The form opens after that time and would never open; choose a later time, or close it now.",
    forms_shared: "Forms serve every municipality: an admin or an organizer without a municipality changes them.",
    invalid_form: "The form has errors.",
    yaml_missing: "Paste the form's text.",
    "refused.needs_button": "Please answer with the buttons under the question.",
    "refused.needs_text": "Please write your answer.",
    "refused.empty": "Please write your answer.",
    "refused.too_long": "Your answer is {length} characters long; the limit is {max}.",
    "refused.not_a_number": "Please send a number, for example 42.",
    "refused.out_of_range": "Please send a number within the allowed range.",
    "refused.too_few_choices": "Please choose at least {min}, then press Done.",
    "refused.too_many_choices": "You can choose at most {max}.",
    "refused.required": "This question needs an answer.",
    "refused.stale": "This button is no longer active.",
    "refused.unknown_option": "This button is no longer active.",
  },
  tr: {
    "forms.tab": "Anketler",
    "forms.title": "Anketler",
    "forms.none": "Henüz yayımlanmış anket yok.",
    "forms.line": "sürüm {version} · yanıtlar: {responses}",
    "forms.open": "açık",
    "forms.open_until": "{at} tarihine kadar açık",
    "forms.not_yet_open": "{at} tarihinde açılır",
    "forms.closed": "{at} tarihinden beri kapalı",
    "forms.download": "YAML indir",
    "forms.edit": "Düzenle",
    "forms.new": "Yeni anket",
    "forms.try": "Dene",
    "forms.open_now": "Şimdi aç",
    "forms.close_now": "Kapat",
    "forms.close_at": "Kapanış (ör. 2026-12-05 12:00; boş: şimdi)",
    "forms.shared": "Anketler tüm belediyeler içindir: onları yönetici veya belediyesi olmayan bir organizatör değiştirir.",
    "forms.upload": "Anket yükle (YAML, en fazla 64 KB)",
    "forms.file": "Veya bir dosya seçin",
    "forms.check": "Kontrol et",
    "forms.publish": "Yayımla",
    "forms.checked": "“{id}” anketi sorunsuz: {count} soru.",
    "forms.published": "“{id}” yayımlandı, sürüm {version}.",
    "forms.unchanged": "“{id}” değişmedi: sürüm {version} olarak kalıyor.",
    "forms.problems": "Anket kaydedilmedi. Düzeltip tekrar deneyin:",
    "forms.problem": "satır {line}: {path} {message}",
    "forms.too_big": "Dosya 64 KB'tan büyük.",
    "forms.saved": "Tamam.",
    "forms.back": "← Tüm anketler",
    "forms.answer": "Yanıt",
    "forms.send": "Gönder",
    "forms.skip": "Atla",
    "forms.done": "Tamam",
    "forms.end": "Anketin sonu. Hiçbir şey kaydedilmedi.",
    "forms.again": "Baştan başla",
    "forms.yes": "Evet",
    "forms.no": "Hayır",
    bad_time: "Zamanı 2026-12-05 12:00 biçiminde veya yalnızca tarih olarak yazın.",
    would_never_open: "Anket bu zamandan sonra açılıyor ve hiç açılmazdı; daha geç bir zaman seçin veya şimdi kapatın.",
    forms_shared: "Anketler tüm belediyeler içindir: onları yönetici veya belediyesi olmayan bir organizatör değiştirir.",
    invalid_form: "Ankette hatalar var.",
    yaml_missing: "Anketin metnini yapıştırın.",
    "refused.needs_button": "Lütfen sorunun altındaki düğmelerle yanıtlayın.",
    "refused.needs_text": "Lütfen yanıtınızı yazın.",
    "refused.empty": "Lütfen yanıtınızı yazın.",
    "refused.too_long": "Yanıtınız {length} karakter; sınır {max}.",
    "refused.not_a_number": "Lütfen bir sayı gönderin, örneğin 42.",
    "refused.out_of_range": "Lütfen izin verilen aralıkta bir sayı gönderin.",
    "refused.too_few_choices": "Lütfen en az {min} seçin, sonra Tamam'a basın.",
    "refused.too_many_choices": "En fazla {max} seçebilirsiniz.",
    "refused.required": "Bu soru yanıt gerektirir.",
    "refused.stale": "Bu düğme artık etkin değil.",
    "refused.unknown_option": "Bu düğme artık etkin değil.",
  },
});

const FORMS_MAX_BYTES = 64 * 1024;

async function formsPost(path, payload) {
  // Like api(), but a refusal keeps its body: the loader's problems come with it.
  const response = await fetch(`api/${path}`, {
    method: "POST",
    cache: "no-store",
    headers: { Authorization: `tma ${initData()}`, "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, body };
}

function formsErrorText(body) {
  const code = body.error || "failed";
  return text(code in TEXTS.en ? code : "failed");
}

function formsWindowText(window) {
  if (window.state === "closed") {
    return text("forms.closed", { at: window.at });
  }
  if (window.state === "not_yet_open") {
    return text("forms.not_yet_open", { at: window.at });
  }
  return window.at ? text("forms.open_until", { at: window.at }) : text("forms.open");
}

async function formsDownload(form, result) {
  // Inside Telegram through a download link (console.js's saveFile), else with the init data.
  const id = encodeURIComponent(form.id);
  try {
    const saved = await saveFile("form", { form: form.id }, { path: `forms/${id}/yaml` });
    result.className = "";
    result.textContent = savedText(saved);
  } catch (error) {
    result.className = "error";
    result.textContent = text(error.message in TEXTS.en ? error.message : "failed");
  }
}

function formsItem(form, mayChange) {
  const result = node("p", { role: "status" });
  const status = node("span", { class: "details" }, formsWindowText(form.window));
  const download = node("button", { type: "button" }, text("forms.download"));
  download.addEventListener("click", () => formsDownload(form, result));
  const tryIt = node("button", { type: "button" }, text("forms.try"));
  tryIt.addEventListener("click", () => formsPreview(form.id, []));
  const item = node(
    "li",
    {},
    node("strong", {}, form.title),
    node("span", { class: "details" }, `${form.id} · `, text("forms.line", form)),
    status,
    download,
    tryIt,
  );
  if (mayChange) {
    const atId = `forms-at-${form.id}`;
    const at = node("input", { id: atId, type: "text", inputmode: "numeric", autocomplete: "off" });
    const openNow = node("button", { type: "button" }, text("forms.open_now"));
    const close = node("button", { type: "button" }, text("forms.close_now"));
    const act = async (action, payload) => {
      const { ok, body } = await formsPost(`forms/${encodeURIComponent(form.id)}/${action}`, payload);
      result.className = ok ? "" : "error";
      result.textContent = ok ? text("forms.saved") : formsErrorText(body);
      if (ok) {
        status.textContent = formsWindowText(body.window);
      }
    };
    openNow.addEventListener("click", () => act("open", {}));
    close.addEventListener("click", () => act("close", { at: at.value.trim() }));
    const edit = node("button", { type: "button" }, text("forms.edit"));
    edit.addEventListener("click", () => formEditorOpen(`form-editor/forms/${encodeURIComponent(form.id)}`));
    item.append(edit, openNow, node("label", { for: atId }, text("forms.close_at")), at, close);
  }
  item.append(result);
  return item;
}

function formsUpload() {
  const form = node("form", { class: "upload" });
  const area = node("textarea", { id: "forms-yaml", rows: "14", spellcheck: "false" });
  const file = node("input", { id: "forms-file", type: "file", accept: ".yaml,.yml,text/yaml" });
  const result = node("div", { role: "alert", id: "forms-result" });
  const check = node("button", { type: "button" }, text("forms.check"));
  const publish = node("button", { type: "submit" }, text("forms.publish"));
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    if (!chosen) {
      return;
    }
    if (chosen.size > FORMS_MAX_BYTES) {
      result.replaceChildren(node("p", { class: "error" }, text("forms.too_big")));
      return;
    }
    area.value = await chosen.text();
  });
  const send = async (path, done) => {
    if (new Blob([area.value]).size > FORMS_MAX_BYTES) {
      result.replaceChildren(node("p", { class: "error" }, text("forms.too_big")));
      return;
    }
    const { ok, body } = await formsPost(path, { yaml: area.value });
    if (ok) {
      result.replaceChildren(node("p", {}, done(body)));
      return;
    }
    const problems = (body.problems || []).map((p) =>
      node("li", {}, text("forms.problem", { line: p.line, path: p.path ? `${p.path}:` : "", message: loaderText(p) })),
    );
    result.replaceChildren(
      node("p", { class: "error" }, problems.length ? text("forms.problems") : formsErrorText(body)),
      problems.length ? node("ul", { class: "problems" }, ...problems) : "",
    );
  };
  check.addEventListener("click", () =>
    send("forms/check", (body) => text("forms.checked", { id: body.id, count: body.questions.length })),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await send("forms/publish", (body) =>
      text(body.created ? "forms.published" : "forms.unchanged", body),
    );
  });
  form.append(
    node("label", { for: "forms-yaml" }, text("forms.upload")),
    area,
    node("label", { for: "forms-file" }, text("forms.file")),
    file,
    check,
    publish,
    result,
  );
  return form;
}

function showForms(listing) {
  const items = listing.forms.map((form) => formsItem(form, listing.may_change));
  const create = node("button", { type: "button", class: "action" }, text("forms.new"));
  create.addEventListener("click", () => formEditorStart());
  document.getElementById("main").replaceChildren(
    node("h2", {}, text("forms.title")),
    listing.may_change ? create : "",
    items.length ? node("ul", { class: "items forms" }, ...items) : node("p", {}, text("forms.none")),
    listing.may_change ? formsUpload() : node("p", {}, text("forms.shared")),
  );
}

function formsAnswerControls(step, answer) {
  // The same choices Telegram's keyboard offers: buttons, ticks and Done, or a message.
  const controls = [];
  if (step.input === "buttons") {
    const labels = step.options
      ? step.options.map((option) => [option.id, option.text])
      : step.buttons.map((value) => [value, value === "yes" || value === "no" ? text(`forms.${value}`) : value]);
    for (const [value, label] of labels) {
      const button = node("button", { type: "button" }, label);
      button.addEventListener("click", () => answer(value));
      controls.push(button);
    }
  } else if (step.input === "choices") {
    const group = node("fieldset", {}, node("legend", {}, text("forms.answer")));
    for (const option of step.options) {
      const id = `forms-choice-${option.id}`;
      group.append(node("label", { for: id }, node("input", { type: "checkbox", id, value: option.id }), ` ${option.text}`));
    }
    const done = node("button", { type: "button" }, text("forms.done"));
    done.addEventListener("click", () =>
      answer([...group.querySelectorAll("input:checked")].map((box) => box.value)),
    );
    controls.push(group, done);
  } else {
    const field = node("input", { id: "forms-answer", type: "text", inputmode: step.type === "number" ? "decimal" : "text" });
    const send = node("button", { type: "button" }, text("forms.send"));
    send.addEventListener("click", () => answer(field.value));
    controls.push(node("label", { for: "forms-answer" }, text("forms.answer")), field, send);
  }
  if (!step.required) {
    const skip = node("button", { type: "button" }, text("forms.skip"));
    skip.addEventListener("click", () => answer(null));
    controls.push(skip);
  }
  return controls;
}

function formsPreview(flowId, inputs) {
  const back = { label: text("forms.back"), go: () => load(showForms, "forms") };
  return formsTry(`forms/${encodeURIComponent(flowId)}/preview`, {}, inputs, back);
}

async function formsTry(path, payload, inputs, leave) {
  // A form answered as a citizen would: published (payload {}) or a draft ({form}).
  const { ok, body } = await formsPost(path, { ...payload, inputs, language });
  const main = document.getElementById("main");
  const back = node("button", { type: "button", class: "link" }, leave.label);
  back.addEventListener("click", leave.go);
  if (!ok) {
    main.replaceChildren(back, node("p", { class: "error", role: "alert" }, formsErrorText(body)));
    return;
  }
  const parts = [back, node("h2", {}, body.title)];
  if (!inputs.length && body.intro) {
    parts.push(node("p", {}, body.intro));
  }
  const said = node("p", { role: "status", class: body.refused ? "error" : "" });
  if (body.refused) {
    said.textContent = text(`refused.${body.refused.reason}`, body.refused);
  }
  const step = body.step;
  if (step) {
    // A refused input is not kept: the next one answers the same question afresh.
    const kept = body.refused ? inputs.slice(0, -1) : inputs;
    const answer = (value) => formsTry(path, payload, [...kept, { question: step.id, value }], leave);
    parts.push(node("p", { class: "question" }, step.text), said, ...formsAnswerControls(step, answer));
  } else {
    const again = node("button", { type: "button" }, text("forms.again"));
    again.addEventListener("click", () => formsTry(path, payload, [], leave));
    parts.push(body.outro ? node("p", {}, body.outro) : "", node("p", { role: "status" }, text("forms.end")), again);
  }
  main.replaceChildren(...parts);
}

addPage({ label: "forms.tab", roles: ["admin", "organizer"], path: "forms", show: showForms });
