// The console's home: this week's figures against the last, the trend, waiting messages,
// upcoming events and open consultations.
"use strict";

addTexts({
  bg: {
    week: "Тази седмица ({week}) спрямо предходната",
    completed: "Попълнени анкети",
    csat: "Доволни (CSAT)",
    nps: "NPS",
    responseRate: "Отговорили след събитие",
    trend: "Последните 8 седмици",
    trendCaption: "Попълнени анкети и средна оценка (всяка скала като 1–5) по седмици",
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
  },
  en: {
    week: "This week ({week}) against the last",
    completed: "Completed responses",
    csat: "Satisfied (CSAT)",
    nps: "NPS",
    responseRate: "Responded after an event",
    trend: "The last 8 weeks",
    trendCaption: "Completed responses and average rating (every scale as 1–5) per week",
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
  },
  tr: {
    week: "Bu hafta ({week}) ile geçen hafta",
    completed: "Tamamlanan anketler",
    csat: "Memnun (CSAT)",
    nps: "NPS",
    responseRate: "Etkinlik sonrası yanıt",
    trend: "Son 8 hafta",
    trendCaption: "Haftalık tamamlanan anketler ve ortalama puan (her ölçek 1–5 olarak)",
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
  },
});

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

const SVG = "http://www.w3.org/2000/svg";

function svgNode(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

// A week's dates on two lines, as the summary's chart writes them: "13–19" over "окт",
// "27 окт –" over "2 ное".
function weekLines(dates) {
  const cut = dates.includes(" – ") ? dates.indexOf(" – ") + 2 : dates.indexOf(" ");
  return cut < 0 ? [dates] : [dates.slice(0, cut), dates.slice(cut + 1)];
}

function rated(points, index) {
  return index >= 0 && index < points.length && points[index].average !== null;
}

// Completed responses as bars in the lower half, the average rating (1–5) above them: a dot
// per rated week with its value, a line between rated neighbours, a ring round a lone one.
function trendChart(points) {
  const width = 320;
  const bars = 60; // the bars' height at most
  const bottom = 124;
  const most = Math.max(1, ...points.map((point) => point.completed));
  const step = width / points.length;
  const middle = (index) => index * step + step / 2;
  const ratingY = (average) => 18 + ((5 - average) / 4) * 36;
  const svg = svgNode("svg", {
    viewBox: `0 0 ${width} ${bottom + 28}`,
    class: "chart",
    role: "img",
    "aria-label": text("trendCaption"),
  });
  points.forEach((point, index) => {
    const barHeight = (point.completed / most) * bars;
    svg.append(
      svgNode("rect", {
        x: index * step + 4,
        y: bottom - barHeight,
        width: step - 8,
        height: barHeight,
      }),
    );
    const label = svgNode("text", { x: middle(index), y: bottom + 12, "text-anchor": "middle" });
    weekLines(point.dates).forEach((line, row) => {
      label.append(svgNode("tspan", { x: middle(index), dy: row ? 12 : 0 }, line));
    });
    svg.append(label);
    if (point.average === null) {
      return;
    }
    const y = ratingY(point.average);
    if (rated(points, index + 1)) {
      const next = ratingY(points[index + 1].average);
      const x2 = middle(index + 1);
      svg.append(svgNode("line", { class: "rating", x1: middle(index), y1: y, x2, y2: next }));
    }
    if (!rated(points, index - 1) && !rated(points, index + 1)) {
      svg.append(svgNode("circle", { class: "lone", cx: middle(index), cy: y, r: 6 }));
    }
    svg.append(svgNode("circle", { class: "rating", cx: middle(index), cy: y, r: 3 }));
    svg.append(
      svgNode(
        "text",
        { class: "rating", x: middle(index), y: y - 8, "text-anchor": "middle" },
        point.average.toFixed(2),
      ),
    );
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
      node("th", { scope: "row" }, point.dates),
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

homePage = showHome;
