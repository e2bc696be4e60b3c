// The results of the event open on the events page: the figures `feedback-admin publish`
// posts, as text and as a table, the rating chart with its counts written out, where they
// were posted already, and Publish (admins and organizers) to a channel the bot posts in.
"use strict";

addTexts({
  bg: {
    "results.heading": "Резултати за публикуване",
    "results.language": "Език на публикацията",
    "results.loading": "Резултатите се зареждат…",
    "results.caption": "Отговори по въпроси (без свободните текстове и без имена)",
    "results.question": "Въпрос",
    "results.answered": "Отговорили",
    "results.figures": "Резултат",
    "results.chartAlt": "Диаграма на оценките. Броят отговори за всяка оценка е изписан под нея.",
    "results.count": "{point}: {count}",
    "results.participants": "Попълнилите анкетата, които ще научат за публикацията (всеки само веднъж): {count}.",
    "results.publishedHeading": "Публикувано досега",
    "results.publishedItem": "{chat}, {at}",
    "results.chat": "Канал или група",
    "results.chatHint": "@име на канала или номерът на групата (-100…). Ботът трябва да е администратор там.",
    "results.publish": "Публикувай",
    "results.question_publish": "Да се публикуват ли резултатите в {chat}?",
    "results.yes": "Да, публикувай",
    "results.no": "Не",
    "results.publishing": "Публикува се…",
    "results.done": "Резултатите са публикувани в {chat}. Ботът ще съобщи на {count} от попълнилите анкетата (на всеки само веднъж).",
    "results.error.bad_chat": "Напишете канала като @име или номера на групата (-100…).",
    "results.error.bad_language": "Изберете един от предложените езици.",
    "results.error.telegram_refused": "Telegram не прие публикацията. Проверете канала и че ботът е администратор в него.",
    "results.error.no_bot": "Ботът не може да публикува оттук. Използвайте feedback-admin publish.",
    "results.error.not_allowed": "Резултатите се публикуват от организаторите и администраторите.",
    "results.error.not_found": "Няма такова събитие.",
    "results.error.malformed": "Напишете канала и изберете език.",
  },
  en: {
    "results.heading": "Results to publish",
    "results.language": "Language of the post",
    "results.loading": "Loading the results…",
    "results.caption": "Answers per question (no free text, no names)",
    "results.question": "Question",
    "results.answered": "Answered",
    "results.figures": "Result",
    "results.chartAlt": "Chart of the ratings. The number of answers for each rating is written below it.",
    "results.count": "{point}: {count}",
    "results.participants": "Citizens who answered the form and will hear of the post (each only once): {count}.",
    "results.publishedHeading": "Published so far",
    "results.publishedItem": "{chat}, {at}",
    "results.chat": "Channel or group",
    "results.chatHint": "@channel name or the group's id (-100…). The bot must be an admin there.",
    "results.publish": "Publish",
    "results.question_publish": "Post the results to {chat}?",
    "results.yes": "Yes, publish",
    "results.no": "No",
    "results.publishing": "Publishing…",
    "results.done": "The results are published in {chat}. The bot will tell {count} citizens who answered (each only once).",
    "results.error.bad_chat": "Write the channel as @name or the group's id (-100…).",
    "results.error.bad_language": "Choose one of the languages offered.",
    "results.error.telegram_refused": "Telegram did not take the post. Check the channel and that the bot is an admin there.",
    "results.error.no_bot": "The bot cannot post from here. Use feedback-admin publish.",
    "results.error.not_allowed": "Results are published by organizers and admins.",
    "results.error.not_found": "There is no such event.",
    "results.error.malformed": "Write the channel and choose a language.",
  },
  tr: {
    "results.heading": "Yayımlanacak sonuçlar",
    "results.language": "Gönderinin dili",
    "results.loading": "Sonuçlar yükleniyor…",
    "results.caption": "Sorulara göre yanıtlar (serbest metin ve isim yok)",
    "results.question": "Soru",
    "results.answered": "Yanıtlayan",
    "results.figures": "Sonuç",
    "results.chartAlt": "Puanların grafiği. Her puanın yanıt sayısı altında yazılıdır.",
    "results.count": "{point}: {count}",
    "results.participants": "Formu yanıtlayan ve gönderiden haberdar edilecek vatandaşlar (her biri bir kez): {count}.",
    "results.publishedHeading": "Şimdiye kadar yayımlananlar",
    "results.publishedItem": "{chat}, {at}",
    "results.chat": "Kanal veya grup",
    "results.chatHint": "@kanal adı veya grubun numarası (-100…). Bot orada yönetici olmalıdır.",
    "results.publish": "Yayımla",
    "results.question_publish": "Sonuçlar {chat} kanalına gönderilsin mi?",
    "results.yes": "Evet, yayımla",
    "results.no": "Hayır",
    "results.publishing": "Yayımlanıyor…",
    "results.done": "Sonuçlar {chat} kanalında yayımlandı. Bot, yanıtlayan {count} vatandaşa haber verecek (her birine bir kez).",
    "results.error.bad_chat": "Kanalı @ad veya grubun numarası (-100…) olarak yazın.",
    "results.error.bad_language": "Sunulan dillerden birini seçin.",
    "results.error.telegram_refused": "Telegram gönderiyi kabul etmedi. Kanalı ve botun orada yönetici olduğunu kontrol edin.",
    "results.error.no_bot": "Bot buradan gönderi yapamıyor. feedback-admin publish kullanın.",
    "results.error.not_allowed": "Sonuçları organizatörler ve yöneticiler yayımlar.",
    "results.error.not_found": "Böyle bir etkinlik yok.",
    "results.error.malformed": "Kanalı yazın ve bir dil seçin.",
  },
});

function resultsProblem(code) {
  return `results.error.${code}` in TEXTS.en ? text(`results.error.${code}`) : eventsProblem(code);
}

function eventsResults(event) {
  // The section is drawn once its results arrive: the chart takes a moment.
  const section = node(
    "section",
    { class: "event-form", "aria-labelledby": "results-heading" },
    node("h3", { id: "results-heading" }, text("results.heading")),
    node("p", { role: "status" }, text("results.loading")),
  );
  resultsLoad(section, event.code, "");
  return section;
}

async function resultsLoad(section, code, language) {
  const heading = section.firstChild;
  try {
    const query = language ? `?lang=${encodeURIComponent(language)}` : "";
    const results = await api(eventPath(code, `/results${query}`));
    section.replaceChildren(heading, ...resultsParts(section, results));
  } catch (error) {
    section.replaceChildren(heading, node("p", { class: "error", role: "alert" }, resultsProblem(error.message)));
  }
}

function resultsParts(section, results) {
  const parts = [];
  const language = eventsSelect(
    results.languages.map((code) => [code, text(`events.lang_${code}`)]),
    results.language,
  );
  language.addEventListener("change", () => resultsLoad(section, results.code, language.value));
  if (results.languages.length > 1) {
    parts.push(eventsField("results-language", text("results.language"), language));
  }
  parts.push(node("p", {}, node("strong", {}, results.title)), node("p", {}, results.responses));
  if (results.questions.length) {
    parts.push(resultsTable(results.questions));
  }
  if (results.chart) {
    parts.push(resultsChart(results));
  }
  parts.push(node("p", { class: "hint" }, text("results.participants", { count: results.participants })));
  if (results.published.length) {
    parts.push(
      node("h4", {}, text("results.publishedHeading")),
      node(
        "ul",
        { class: "links" },
        ...results.published.map((post) => {
          const said = text("results.publishedItem", { chat: post.chat, at: post.at });
          const item = post.url ? node("a", { href: post.url, target: "_blank", rel: "noopener" }, said) : said;
          return node("li", {}, item);
        }),
      ),
    );
  }
  if (results.may_publish) {
    parts.push(resultsPublishForm(section, results, language));
  }
  return parts;
}

function resultsTable(questions) {
  const head = node(
    "tr",
    {},
    node("th", { scope: "col" }, text("results.question")),
    node("th", { scope: "col", class: "number" }, text("results.answered")),
    node("th", { scope: "col" }, text("results.figures")),
  );
  const rows = questions.map((question) =>
    node(
      "tr",
      {},
      node("th", { scope: "row" }, question.text),
      node("td", { class: "number" }, question.answered),
      node("td", {}, question.figures),
    ),
  );
  return node(
    "table",
    { class: "results" },
    node("caption", {}, text("results.caption")),
    node("thead", {}, head),
    node("tbody", {}, ...rows),
  );
}

function resultsChart(results) {
  // The chart is the PNG the channel gets; its counts are written out under it.
  const counts = node(
    "ul",
    { id: "results-chart-text", class: "hint" },
    ...results.chart_text.map((rating) =>
      node(
        "li",
        {},
        `${rating.question}: `,
        Object.entries(rating.counts)
          .map(([point, count]) => text("results.count", { point, count }))
          .join(", "),
      ),
    ),
  );
  const image = node("img", {
    src: results.chart,
    alt: text("results.chartAlt"),
    "aria-describedby": "results-chart-text",
    class: "results-chart",
  });
  return node("figure", { class: "results" }, image, node("figcaption", {}, counts));
}

function resultsPublishForm(section, results, language) {
  const chat = node("input", { type: "text", list: "results-channels", autocomplete: "off", maxlength: "100" });
  const channels = node(
    "datalist",
    { id: "results-channels" },
    ...results.channels.map((channel) => node("option", { value: channel })),
  );
  const status = eventsStatus();
  const ask = node("button", { type: "submit" }, text("results.publish"));
  const yes = node("button", { type: "button" }, text("results.yes"));
  const no = node("button", { type: "button" }, text("results.no"));
  const question = node("p", { id: "publish-question" });
  const { group: confirm, show, back } = confirmStep(ask, question, yes, no);
  const form = node(
    "form",
    { class: "event-form" },
    eventsField("results-chat", text("results.chat"), chat, text("results.chatHint")),
    channels,
    ask,
    confirm,
    status,
  );
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    if (!chat.value.trim()) {
      eventsSay(status, text("results.error.malformed"), true);
      return;
    }
    question.textContent = text("results.question_publish", { chat: chat.value.trim() });
    show();
  });
  yes.addEventListener("click", async () => {
    yes.disabled = true; // one press, one post
    eventsSay(status, text("results.publishing"), false);
    try {
      const done = await api(eventPath(results.code, "/publish"), {
        chat: chat.value.trim(),
        language: language.value,
      });
      const said = text("results.done", { chat: chat.value.trim(), count: done.owed });
      await resultsLoad(section, results.code, language.value);
      section.append(node("p", { role: "status", class: "notice" }, said));
    } catch (error) {
      yes.disabled = false;
      back();
      eventsSay(status, resultsProblem(error.message), true);
    }
  });
  return form;
}
