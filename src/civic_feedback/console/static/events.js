// The console's events: find one, read its figures and links, download its posters and the
// attendance list for funders (every role); add, edit, reschedule and cancel (admins and
// organizers). Times are written and shown as 2026-12-10 18:00 in the deployment's zone.
"use strict";

addTexts({
  bg: {
    eventsTab: "Събития",
    eventsHeading: "Събития",
    searchLabel: "Търсене в заглавията",
    whenLabel: "Кои",
    upcoming: "Предстоящи",
    past: "Минали",
    search: "Търси",
    newEvent: "Ново събитие",
    noEventsFound: "Няма такива събития.",
    more: "Показани са първите {count}. Уточнете търсенето, за да видите останалите.",
    cancelledMark: "Отменено",
    peopleLine: "{registered} записани, {waiting} чакащи, {checked} дошли",
    backToEvents: "← Всички събития",
    kindFact: "Вид",
    whenFact: "Кога",
    placeFact: "Къде",
    municipalityFact: "Община",
    capacityFact: "Места",
    noLimit: "без ограничение",
    registeredFact: "Записани с място",
    waitingFact: "В списъка на чакащите",
    checkedInFact: "Отбелязали присъствие",
    responsesFact: "Попълнени анкети",
    remindersFact: "Напомняния преди началото",
    noReminders: "няма",
    cancelledState: "Събитието е отменено.",
    linksHeading: "Връзки и плакати",
    link_card: "Карта на събитието (записване)",
    link_checkin: "Отбелязване на присъствие на място",
    link_feedback: "Анкета за обратна връзка",
    posterLink: "Плакат за",
    posterPng: "Изтегли плаката (PNG)",
    posterPdf: "Изтегли плаката (PDF)",
    preparing: "Подготвя се…",
    downloaded: "Файлът е изтеглен.",
    attendanceHeading: "Присъствие за финансиращите",
    attendanceHint:
      "Таблица (Excel) със записаните, чакащите, дошлите и попълнените анкети. Хората са с псевдоними, без имена.",
    attendanceOne: "Изтегли присъствието (Excel)",
    fromDay: "От ден",
    toDay: "До ден (включително)",
    attendanceRange: "Изтегли присъствието (Excel)",
    editHeading: "Промяна",
    titleIn: "Заглавие ({language})",
    lang_bg: "на български",
    lang_en: "на английски",
    lang_tr: "на турски",
    placeLabel: "Място",
    capacityLabel: "Брой места",
    capacityHint: "Празно: без ограничение. Щом местата се запълнят, следва списък на чакащите.",
    remindersLabel: "Напомняния",
    remindersHint:
      "Колко време преди началото, напр. 24h, 1h (d – дни, h – часове, m – минути). Празно: без напомняния.",
    municipalityLabel: "Община",
    noMunicipality: "Без община (за всички)",
    saveChanges: "Запази промените",
    nothingChanged: "Няма промени.",
    saved: "Промените са записани.",
    promoted: "{count} души от списъка на чакащите получиха място и ще бъдат уведомени.",
    placeTold: "{count} души ще научат новото място в Telegram.",
    overNote: "Събитието е минало: могат да се променят само заглавията и общината.",
    rescheduleHeading: "Нова дата и час",
    startsLabel: "Начало",
    endsLabel: "Край",
    timeHint: "Пишете така: 2026-12-10 18:00 (часът в {zone}).",
    endsHint: "Празно: продължава колкото преди.",
    moveNote: "Всички записани и чакащи получават едно съобщение с новата дата и час.",
    move: "Премести събитието",
    moved: "Събитието е преместено за {starts}. {count} души ще получат съобщение в Telegram.",
    notMoved: "Събитието вече е по това време; никой не се уведомява отново.",
    cancelHeading: "Отмяна",
    cancelEvent: "Отмени събитието",
    cancelQuestion:
      "Сигурни ли сте? Всички записани и чакащи ще получат съобщение, че събитието е отменено. Отмяната не може да се върне.",
    cancelYes: "Да, отмени го",
    cancelNo: "Не, остави го",
    cancelledNotice: "Събитието е отменено. {count} души ще получат съобщение в Telegram.",
    newHeading: "Ново събитие",
    kindLabel: "Вид",
    create: "Създай събитието",
    created: "Събитието е създадено.",
    kind_consultation: "Консултация",
    kind_round_table: "Кръгла маса",
    kind_conference: "Конференция",
    kind_citizen_panel: "Граждански панел",
    kind_training: "Обучение",
    kind_info_meeting: "Информационна среща",
    kind_other: "Друго",
    events_not_found: "Няма такова събитие.",
    events_not_allowed: "Събитията се създават и променят от организаторите и администраторите.",
    events_malformed: "Проверете попълненото и опитайте отново.",
    events_json_only: "Проверете попълненото и опитайте отново.",
    events_title_empty: "Напишете заглавие.",
    events_place_empty: "Напишете мястото.",
    events_place_too_long: "Мястото е твърде дълго: до 500 знака.",
    events_unknown_municipality: "Изберете община от списъка.",
    events_unknown_form:
      "Анкетата за обратна връзка още не е публикувана. Помолете администратора да я публикува.",
    events_ends_before_start: "Краят трябва да е след началото.",
    events_starts_in_past: "Новото начало е вече минало. Изберете момент напред във времето.",
    events_capacity_too_small: "Местата са поне 1. Оставете полето празно за без ограничение.",
    events_capacity_too_large: "Местата са най-много 100 000.",
    events_capacity_below_taken:
      "Вече има повече хора с място. Дайте поне толкова места, колкото са записаните (вижте по-горе): никой не губи мястото си.",
    events_capacity_not_a_number: "Броят места е цяло число, напр. 40. Празно: без ограничение.",
    events_event_cancelled: "Събитието е отменено и не може да се променя.",
    events_event_over: "Събитието е минало: могат да се променят само заглавията и общината.",
    events_starts_not_a_time: "Началото не е дата и час. Пишете така: 2026-12-10 18:00",
    events_ends_not_a_time: "Краят не е дата и час. Пишете така: 2026-12-10 20:00",
    events_bad_reminders:
      "Напомнянията се пишат така: 24h, 1h (d – дни, h – часове, m – минути), до 365d. Празно: без напомняния.",
    events_bad_day: "Изберете ден.",
    events_days_swapped: "Началният ден е след крайния. Разменете ги.",
    events_no_events: "Няма събития в тези дни.",
    events_no_bot_username:
      "Връзките и плакатите имат нужда от името на бота (BOT_USERNAME). Помолете администратора.",
  },
  en: {
    eventsTab: "Events",
    eventsHeading: "Events",
    searchLabel: "Search the titles",
    whenLabel: "Which",
    upcoming: "Upcoming",
    past: "Past",
    search: "Search",
    newEvent: "New event",
    noEventsFound: "No such events.",
    more: "The first {count} are shown. Narrow the search to see the others.",
    cancelledMark: "Cancelled",
    peopleLine: "{registered} registered, {waiting} waiting, {checked} checked in",
    backToEvents: "← All events",
    kindFact: "Kind",
    whenFact: "When",
    placeFact: "Where",
    municipalityFact: "Municipality",
    capacityFact: "Places",
    noLimit: "no limit",
    registeredFact: "Registered with a place",
    waitingFact: "On the waiting list",
    checkedInFact: "Checked in",
    responsesFact: "Feedback responses",
    remindersFact: "Reminders before the start",
    noReminders: "none",
    cancelledState: "This event is cancelled.",
    linksHeading: "Links and posters",
    link_card: "Event card (registration)",
    link_checkin: "Check-in at the venue",
    link_feedback: "Feedback form",
    posterLink: "Poster for",
    posterPng: "Download the poster (PNG)",
    posterPdf: "Download the poster (PDF)",
    preparing: "Preparing…",
    downloaded: "The file is downloaded.",
    attendanceHeading: "Attendance for funders",
    attendanceHint:
      "A spreadsheet (Excel) of those registered, waiting and checked in, and the feedback responses. People appear as pseudonyms, never by name.",
    attendanceOne: "Download the attendance (Excel)",
    fromDay: "From",
    toDay: "To (included)",
    attendanceRange: "Download the attendance (Excel)",
    editHeading: "Change",
    titleIn: "Title ({language})",
    lang_bg: "in Bulgarian",
    lang_en: "in English",
    lang_tr: "in Turkish",
    placeLabel: "Place",
    capacityLabel: "Number of places",
    capacityHint: "Empty: no limit. Once the places are taken, a waiting list follows.",
    remindersLabel: "Reminders",
    remindersHint:
      "How long before the start, e.g. 24h, 1h (d days, h hours, m minutes). Empty: no reminders.",
    municipalityLabel: "Municipality",
    noMunicipality: "No municipality (everyone)",
    saveChanges: "Save the changes",
    nothingChanged: "Nothing changed.",
    saved: "The changes are saved.",
    promoted: "{count} people on the waiting list got a place and will be told.",
    placeTold: "{count} people will be told of the new place in Telegram.",
    overNote: "The event is over: only its titles and municipality can change.",
    rescheduleHeading: "New date and time",
    startsLabel: "Starts",
    endsLabel: "Ends",
    timeHint: "Write it as 2026-12-10 18:00 ({zone} time).",
    endsHint: "Empty: it lasts as long as before.",
    moveNote: "Everyone registered or waiting gets one message with the new date and time.",
    move: "Move the event",
    moved: "The event is moved to {starts}. {count} people will get a message in Telegram.",
    notMoved: "The event is at that time already; nobody is told again.",
    cancelHeading: "Cancelling",
    cancelEvent: "Cancel the event",
    cancelQuestion:
      "Are you sure? Everyone registered or waiting will be told the event is cancelled. This cannot be undone.",
    cancelYes: "Yes, cancel it",
    cancelNo: "No, keep it",
    cancelledNotice: "The event is cancelled. {count} people will get a message in Telegram.",
    newHeading: "New event",
    kindLabel: "Kind",
    create: "Create the event",
    created: "The event is created.",
    kind_consultation: "Consultation",
    kind_round_table: "Round table",
    kind_conference: "Conference",
    kind_citizen_panel: "Citizen panel",
    kind_training: "Training",
    kind_info_meeting: "Information meeting",
    kind_other: "Other",
    events_not_found: "There is no such event.",
    events_not_allowed: "Events are added and changed by organizers and administrators.",
    events_malformed: "Check what you filled in and try again.",
    events_json_only: "Check what you filled in and try again.",
    events_title_empty: "Write a title.",
    events_place_empty: "Write the place.",
    events_place_too_long: "The place is too long: at most 500 characters.",
    events_unknown_municipality: "Choose a municipality from the list.",
    events_unknown_form:
      "The feedback form is not published yet. Ask your administrator to publish it.",
    events_ends_before_start: "The end must be after the start.",
    events_starts_in_past: "The new start has passed already. Choose a time ahead.",
    events_capacity_too_small: "There is at least 1 place. Leave it empty for no limit.",
    events_capacity_too_large: "There are at most 100,000 places.",
    events_capacity_below_taken:
      "More people have a place already. Give at least as many places as are registered (see above): nobody loses a place.",
    events_capacity_not_a_number: "The number of places is a whole number, e.g. 40. Empty: no limit.",
    events_event_cancelled: "The event is cancelled and cannot change.",
    events_event_over: "The event is over: only its titles and municipality can change.",
    events_starts_not_a_time: "The start is not a date and time. Write it as 2026-12-10 18:00",
    events_ends_not_a_time: "The end is not a date and time. Write it as 2026-12-10 20:00",
    events_bad_reminders:
      "Write the reminders as 24h, 1h (d days, h hours, m minutes), at most 365d. Empty: no reminders.",
    events_bad_day: "Choose a day.",
    events_days_swapped: "The first day is after the last. Swap them.",
    events_no_events: "No events on those days.",
    events_no_bot_username:
      "Links and posters need the bot's username (BOT_USERNAME). Ask your administrator.",
  },
  tr: {
    eventsTab: "Etkinlikler",
    eventsHeading: "Etkinlikler",
    searchLabel: "Başlıklarda ara",
    whenLabel: "Hangileri",
    upcoming: "Yaklaşan",
    past: "Geçmiş",
    search: "Ara",
    newEvent: "Yeni etkinlik",
    noEventsFound: "Böyle bir etkinlik yok.",
    more: "İlk {count} etkinlik gösteriliyor. Diğerlerini görmek için aramayı daraltın.",
    cancelledMark: "İptal edildi",
    peopleLine: "{registered} kayıtlı, {waiting} bekleyen, {checked} katılan",
    backToEvents: "← Tüm etkinlikler",
    kindFact: "Türü",
    whenFact: "Ne zaman",
    placeFact: "Nerede",
    municipalityFact: "Belediye",
    capacityFact: "Kontenjan",
    noLimit: "sınırsız",
    registeredFact: "Yeri olan kayıtlılar",
    waitingFact: "Bekleme listesinde",
    checkedInFact: "Katılımını bildiren",
    responsesFact: "Doldurulan anketler",
    remindersFact: "Başlangıçtan önce hatırlatmalar",
    noReminders: "yok",
    cancelledState: "Bu etkinlik iptal edildi.",
    linksHeading: "Bağlantılar ve afişler",
    link_card: "Etkinlik kartı (kayıt)",
    link_checkin: "Etkinlik yerinde katılım bildirimi",
    link_feedback: "Geri bildirim anketi",
    posterLink: "Afiş için",
    posterPng: "Afişi indir (PNG)",
    posterPdf: "Afişi indir (PDF)",
    preparing: "Hazırlanıyor…",
    downloaded: "Dosya indirildi.",
    attendanceHeading: "Destekçiler için katılım",
    attendanceHint:
      "Kayıtlı, bekleyen ve katılan kişilerle anket yanıtlarını içeren tablo (Excel). Kişiler isimle değil, takma adla yer alır.",
    attendanceOne: "Katılımı indir (Excel)",
    fromDay: "Başlangıç günü",
    toDay: "Bitiş günü (dahil)",
    attendanceRange: "Katılımı indir (Excel)",
    editHeading: "Değiştir",
    titleIn: "Başlık ({language})",
    lang_bg: "Bulgarca",
    lang_en: "İngilizce",
    lang_tr: "Türkçe",
    placeLabel: "Yer",
    capacityLabel: "Kontenjan",
    capacityHint: "Boş: sınırsız. Yerler dolunca bekleme listesi başlar.",
    remindersLabel: "Hatırlatmalar",
    remindersHint:
      "Başlangıçtan ne kadar önce, ör. 24h, 1h (d gün, h saat, m dakika). Boş: hatırlatma yok.",
    municipalityLabel: "Belediye",
    noMunicipality: "Belediye yok (herkes için)",
    saveChanges: "Değişiklikleri kaydet",
    nothingChanged: "Değişiklik yok.",
    saved: "Değişiklikler kaydedildi.",
    promoted: "Bekleme listesinden {count} kişi yer aldı ve bilgilendirilecek.",
    placeTold: "{count} kişiye yeni yer Telegram'da bildirilecek.",
    overNote: "Etkinlik sona erdi: yalnızca başlıkları ve belediyesi değiştirilebilir.",
    rescheduleHeading: "Yeni tarih ve saat",
    startsLabel: "Başlangıç",
    endsLabel: "Bitiş",
    timeHint: "Şöyle yazın: 2026-12-10 18:00 ({zone} saati).",
    endsHint: "Boş: önceki kadar sürer.",
    moveNote: "Kayıtlı ve bekleyen herkes yeni tarih ve saatle tek bir mesaj alır.",
    move: "Etkinliği taşı",
    moved: "Etkinlik {starts} tarihine taşındı. {count} kişi Telegram'da mesaj alacak.",
    notMoved: "Etkinlik zaten bu saatte; kimseye yeniden bildirilmez.",
    cancelHeading: "İptal",
    cancelEvent: "Etkinliği iptal et",
    cancelQuestion:
      "Emin misiniz? Kayıtlı ve bekleyen herkese etkinliğin iptal edildiği bildirilecek. Bu geri alınamaz.",
    cancelYes: "Evet, iptal et",
    cancelNo: "Hayır, kalsın",
    cancelledNotice: "Etkinlik iptal edildi. {count} kişi Telegram'da mesaj alacak.",
    newHeading: "Yeni etkinlik",
    kindLabel: "Türü",
    create: "Etkinliği oluştur",
    created: "Etkinlik oluşturuldu.",
    kind_consultation: "İstişare toplantısı",
    kind_round_table: "Yuvarlak masa",
    kind_conference: "Konferans",
    kind_citizen_panel: "Vatandaş paneli",
    kind_training: "Eğitim",
    kind_info_meeting: "Bilgilendirme toplantısı",
    kind_other: "Diğer",
    events_not_found: "Böyle bir etkinlik yok.",
    events_not_allowed: "Etkinlikleri organizatörler ve yöneticiler ekler ve değiştirir.",
    events_malformed: "Doldurduklarınızı kontrol edip tekrar deneyin.",
    events_json_only: "Doldurduklarınızı kontrol edip tekrar deneyin.",
    events_title_empty: "Bir başlık yazın.",
    events_place_empty: "Yeri yazın.",
    events_place_too_long: "Yer çok uzun: en fazla 500 karakter.",
    events_unknown_municipality: "Listeden bir belediye seçin.",
    events_unknown_form: "Geri bildirim anketi henüz yayımlanmadı. Yöneticinizden yayımlamasını isteyin.",
    events_ends_before_start: "Bitiş, başlangıçtan sonra olmalı.",
    events_starts_in_past: "Yeni başlangıç geçmişte kaldı. İleride bir zaman seçin.",
    events_capacity_too_small: "Kontenjan en az 1. Sınırsız için boş bırakın.",
    events_capacity_too_large: "Kontenjan en fazla 100.000.",
    events_capacity_below_taken:
      "Yeri olan kişi sayısı daha fazla. En az kayıtlı sayısı kadar yer verin (yukarıya bakın): kimse yerini kaybetmez.",
    events_capacity_not_a_number: "Kontenjan bir tam sayıdır, ör. 40. Boş: sınırsız.",
    events_event_cancelled: "Etkinlik iptal edildi ve değiştirilemez.",
    events_event_over: "Etkinlik sona erdi: yalnızca başlıkları ve belediyesi değiştirilebilir.",
    events_starts_not_a_time: "Başlangıç bir tarih ve saat değil. Şöyle yazın: 2026-12-10 18:00",
    events_ends_not_a_time: "Bitiş bir tarih ve saat değil. Şöyle yazın: 2026-12-10 20:00",
    events_bad_reminders:
      "Hatırlatmaları şöyle yazın: 24h, 1h (d gün, h saat, m dakika), en fazla 365d. Boş: hatırlatma yok.",
    events_bad_day: "Bir gün seçin.",
    events_days_swapped: "İlk gün son günden sonra. Yerlerini değiştirin.",
    events_no_events: "Bu günlerde etkinlik yok.",
    events_no_bot_username:
      "Bağlantılar ve afişler için botun kullanıcı adı (BOT_USERNAME) gerekir. Yöneticinize danışın.",
  },
});

const EVENT_LINKS = ["card", "checkin", "feedback"];

function eventsProblem(code) {
  // This page's own sentence for a code, else the console's (unauthorized, no_role, ...).
  if (`events_${code}` in TEXTS.en) {
    return text(`events_${code}`);
  }
  return text(code in TEXTS.en ? code : "failed");
}

async function eventsOpen(show, path, notice) {
  const main = document.getElementById("main");
  main.replaceChildren(node("p", { role: "status" }, text("loading")));
  try {
    show(await api(path), notice);
  } catch (error) {
    main.replaceChildren(node("p", { class: "error", role: "alert" }, eventsProblem(error.message)));
  }
}

function eventsPath(search, past) {
  const query = new URLSearchParams();
  if (search) {
    query.set("q", search);
  }
  if (past) {
    query.set("when", "past");
  }
  const rest = query.toString();
  return rest ? `events?${rest}` : "events";
}

function eventPath(code, rest = "") {
  return `events/${encodeURIComponent(code)}${rest}`;
}

function eventsField(id, label, input, hint) {
  input.id = id;
  const parts = [node("label", { for: id }, label), input];
  if (hint) {
    input.setAttribute("aria-describedby", `${id}-hint`);
    parts.push(node("span", { class: "hint", id: `${id}-hint` }, hint));
  }
  return node("div", { class: "field" }, ...parts);
}

function eventsInput(value, attributes = {}) {
  const input = node("input", { type: "text", ...attributes });
  input.value = value === null || value === undefined ? "" : String(value);
  return input;
}

function eventsSelect(choices, chosen) {
  // choices: [value, label] pairs.
  const select = node("select", {});
  for (const [value, label] of choices) {
    select.append(node("option", { value }, label));
  }
  select.value = chosen;
  return select;
}

function eventsStatus() {
  return node("p", { role: "status" });
}

function eventsSay(status, message, failed) {
  status.className = failed ? "error" : "";
  status.textContent = message;
}

async function eventsDownload(path, status) {
  // A file needs the Authorization header, which a plain link cannot send: fetch it and
  // save the Blob under the name the console gives.
  eventsSay(status, text("preparing"), false);
  try {
    const response = await fetch(`api/${path}`, {
      headers: { Authorization: `tma ${initData()}` },
      cache: "no-store",
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error || "failed");
    }
    const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    const address = URL.createObjectURL(await response.blob());
    const link = node("a", { href: address, download: named ? named[1] : "download" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(address), 60000);
    eventsSay(status, text("downloaded"), false);
  } catch (error) {
    eventsSay(status, eventsProblem(error.message), true);
  }
}

function eventsTitleLabel(language) {
  return text("titleIn", { language: text(`lang_${language}`) });
}

function eventsPeople(event) {
  return text("peopleLine", {
    registered: event.registered,
    waiting: event.waiting,
    checked: event.checked_in,
  });
}

// --- the list ---------------------------------------------------------------------------

function showEventList(listing) {
  const search = eventsInput(listing.search, { type: "search" });
  const when = eventsSelect(
    [
      ["upcoming", text("upcoming")],
      ["past", text("past")],
    ],
    listing.past ? "past" : "upcoming",
  );
  const form = node(
    "form",
    { class: "event-form", role: "search" },
    eventsField("event-search", text("searchLabel"), search),
    eventsField("event-when", text("whenLabel"), when),
    node("button", { type: "submit" }, text("search")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    eventsOpen(showEventList, eventsPath(search.value.trim(), when.value === "past"));
  });
  const items = listing.events.map((event) => {
    const open = node("button", { type: "button", class: "link" }, event.title);
    open.addEventListener("click", () => eventsOpen(showEventDetail, eventPath(event.code)));
    const parts = [event.starts, event.place, eventsPeople(event)];
    if (event.cancelled) {
      parts.unshift(text("cancelledMark"));
    }
    return node("li", {}, open, node("span", { class: "details" }, parts.filter(Boolean).join(" · ")));
  });
  let adding = "";
  if (listing.may_change) {
    adding = node("button", { type: "button", class: "action" }, text("newEvent"));
    adding.addEventListener("click", () => showNewEvent(listing));
  }
  document.getElementById("main").replaceChildren(
    node("h2", {}, text("eventsHeading")),
    form,
    adding,
    items.length ? node("ul", { class: "items" }, ...items) : node("p", {}, text("noEventsFound")),
    listing.more ? node("p", {}, text("more", { count: listing.events.length })) : "",
    eventsAttendanceRange(),
  );
}

function eventsAttendanceRange() {
  const first = node("input", { type: "date" });
  const last = node("input", { type: "date" });
  const status = eventsStatus();
  const form = node(
    "form",
    { class: "event-form" },
    eventsField("attendance-from", text("fromDay"), first),
    eventsField("attendance-to", text("toDay"), last),
    node("button", { type: "submit" }, text("attendanceRange")),
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    if (first.value) {
      query.set("from", first.value);
    }
    if (last.value) {
      query.set("to", last.value);
    }
    eventsDownload(`events/attendance?${query}`, status);
  });
  return node(
    "section",
    { "aria-labelledby": "attendance-heading" },
    node("h3", { id: "attendance-heading" }, text("attendanceHeading")),
    node("p", { class: "hint" }, text("attendanceHint")),
    form,
  );
}

// --- one event --------------------------------------------------------------------------

function eventsFacts(event) {
  const facts = [
    [text("kindFact"), text(`kind_${event.kind}`)],
    [text("whenFact"), `${event.starts} – ${event.ends} (${event.timezone})`],
    [text("placeFact"), event.place || "—"],
    [text("municipalityFact"), event.municipality || "—"],
    [text("capacityFact"), event.capacity === null ? text("noLimit") : event.capacity],
    [text("registeredFact"), event.registered],
    [text("waitingFact"), event.waiting],
    [text("checkedInFact"), event.checked_in],
    [text("responsesFact"), event.responses],
    [text("remindersFact"), event.reminders || text("noReminders")],
  ];
  return node(
    "dl",
    { class: "facts" },
    ...facts.flatMap(([name, value]) => [node("dt", {}, name), node("dd", {}, value)]),
  );
}

function eventsLinks(event) {
  const heading = node("h3", { id: "links-heading" }, text("linksHeading"));
  if (!event.links) {
    return node("section", {}, heading, node("p", {}, text("events_no_bot_username")));
  }
  const links = node(
    "ul",
    { class: "links" },
    ...EVENT_LINKS.map((kind) =>
      node(
        "li",
        {},
        node("span", { class: "name" }, text(`link_${kind}`)),
        node("a", { href: event.links[kind], target: "_blank", rel: "noopener" }, event.links[kind]),
      ),
    ),
  );
  const choice = eventsSelect(
    EVENT_LINKS.map((kind) => [kind, text(`link_${kind}`)]),
    "card",
  );
  const status = eventsStatus();
  const buttons = ["png", "pdf"].map((format) => {
    const button = node("button", { type: "button" }, text(format === "png" ? "posterPng" : "posterPdf"));
    button.addEventListener("click", () =>
      eventsDownload(eventPath(event.code, `/poster?link=${choice.value}&format=${format}`), status),
    );
    return button;
  });
  const attendance = node("button", { type: "button" }, text("attendanceOne"));
  const counted = eventsStatus();
  attendance.addEventListener("click", () =>
    eventsDownload(`events/attendance?code=${encodeURIComponent(event.code)}`, counted),
  );
  return node(
    "section",
    { "aria-labelledby": "links-heading" },
    heading,
    links,
    node("div", { class: "event-form" }, eventsField("poster-link", text("posterLink"), choice), ...buttons, status),
    node("h3", {}, text("attendanceHeading")),
    node("p", { class: "hint" }, text("attendanceHint")),
    node("div", { class: "event-form" }, attendance, counted),
  );
}

function eventsEditPayload(event, inputs) {
  // Only what differs from the event is sent: what is not sent stays as it is.
  const payload = {};
  const titles = {};
  for (const [language, input] of Object.entries(inputs.titles)) {
    if (input.value.trim() !== (event.titles[language] || "")) {
      titles[language] = input.value;
    }
  }
  if (Object.keys(titles).length) {
    payload.titles = titles;
  }
  if (!event.over) {
    if (inputs.place.value.trim() !== event.place) {
      payload.place = inputs.place.value;
    }
    const capacity = eventsCapacity(inputs.capacity.value);
    if (capacity !== event.capacity) {
      payload.capacity = capacity;
    }
    const spaceless = (value) => value.replace(/\s+/g, "");
    if (spaceless(inputs.reminders.value) !== spaceless(event.reminders)) {
      payload.reminders = inputs.reminders.value;
    }
  }
  if (inputs.municipality && inputs.municipality.value && inputs.municipality.value !== event.municipality) {
    payload.municipality = inputs.municipality.value;
  }
  return payload;
}

function eventsCapacity(value) {
  // Empty: no limit; a whole number as a number; anything else as typed, for the console to
  // refuse with its sentence.
  const typed = value.trim();
  if (!typed) {
    return null;
  }
  return /^[0-9]+$/.test(typed) ? Number(typed) : typed;
}

function eventsMunicipalityChoice(municipalities, chosen) {
  return eventsSelect(
    [["", text("noMunicipality")], ...municipalities.map((name) => [name, name])],
    chosen || "",
  );
}

function eventsEditForm(event) {
  const inputs = { titles: {} };
  const fields = event.languages.map((language) => {
    inputs.titles[language] = eventsInput(event.titles[language]);
    return eventsField(`edit-title-${language}`, eventsTitleLabel(language), inputs.titles[language]);
  });
  inputs.place = eventsInput(event.place);
  inputs.capacity = eventsInput(event.capacity, { inputmode: "numeric" });
  inputs.reminders = eventsInput(event.reminders);
  for (const input of [inputs.place, inputs.capacity, inputs.reminders]) {
    input.disabled = event.over;
  }
  fields.push(
    eventsField("edit-place", text("placeLabel"), inputs.place),
    eventsField("edit-capacity", text("capacityLabel"), inputs.capacity, text("capacityHint")),
    eventsField("edit-reminders", text("remindersLabel"), inputs.reminders, text("remindersHint")),
  );
  if (event.may_choose_municipality) {
    inputs.municipality = eventsMunicipalityChoice(event.municipalities, event.municipality);
    fields.push(eventsField("edit-municipality", text("municipalityLabel"), inputs.municipality));
  }
  const status = eventsStatus();
  const form = node(
    "form",
    { class: "event-form", "aria-labelledby": "edit-heading" },
    node("h3", { id: "edit-heading" }, text("editHeading")),
    event.over ? node("p", { class: "hint" }, text("overNote")) : "",
    ...fields,
    node("button", { type: "submit" }, text("saveChanges")),
    status,
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const payload = eventsEditPayload(event, inputs);
    if (!Object.keys(payload).length) {
      eventsSay(status, text("nothingChanged"), false);
      return;
    }
    try {
      const result = await api(eventPath(event.code, "/edit"), payload);
      const said = [text(result.changes.length ? "saved" : "nothingChanged")];
      if (result.promoted) {
        said.push(text("promoted", { count: result.promoted }));
      }
      if (result.changes.includes("place")) {
        said.push(text("placeTold", { count: result.told }));
      }
      eventsOpen(showEventDetail, eventPath(event.code), said.join(" "));
    } catch (error) {
      eventsSay(status, eventsProblem(error.message), true);
    }
  });
  return form;
}

function eventsRescheduleForm(event) {
  const starts = eventsInput(event.starts, { autocomplete: "off" });
  const ends = eventsInput("", { autocomplete: "off" });
  const status = eventsStatus();
  const hint = text("timeHint", { zone: event.timezone });
  const form = node(
    "form",
    { class: "event-form", "aria-labelledby": "reschedule-heading" },
    node("h3", { id: "reschedule-heading" }, text("rescheduleHeading")),
    node("p", { class: "hint" }, text("moveNote")),
    eventsField("reschedule-starts", text("startsLabel"), starts, hint),
    eventsField("reschedule-ends", text("endsLabel"), ends, text("endsHint")),
    node("button", { type: "submit" }, text("move")),
    status,
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    try {
      const result = await api(eventPath(event.code, "/reschedule"), {
        starts: starts.value,
        ends: ends.value,
      });
      const said = result.moved
        ? text("moved", { starts: result.starts, count: result.told })
        : text("notMoved");
      eventsOpen(showEventDetail, eventPath(event.code), said);
    } catch (error) {
      eventsSay(status, eventsProblem(error.message), true);
    }
  });
  return form;
}

function eventsCancelSection(event) {
  const status = eventsStatus();
  const ask = node("button", { type: "button", class: "danger" }, text("cancelEvent"));
  const yes = node("button", { type: "button", class: "danger" }, text("cancelYes"));
  const no = node("button", { type: "button" }, text("cancelNo"));
  const question = node("div", { class: "confirm", role: "group", "aria-labelledby": "cancel-question" });
  question.append(node("p", { id: "cancel-question" }, text("cancelQuestion")), yes, no);
  question.hidden = true;
  ask.addEventListener("click", () => {
    question.hidden = false;
    ask.hidden = true;
    no.focus();
  });
  no.addEventListener("click", () => {
    question.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener("click", async () => {
    try {
      const result = await api(eventPath(event.code, "/cancel"), {});
      eventsOpen(showEventDetail, eventPath(event.code), text("cancelledNotice", { count: result.told }));
    } catch (error) {
      eventsSay(status, eventsProblem(error.message), true);
    }
  });
  return node(
    "section",
    { class: "event-form", "aria-labelledby": "cancel-heading" },
    node("h3", { id: "cancel-heading" }, text("cancelHeading")),
    ask,
    question,
    status,
  );
}

function showEventDetail(event, notice) {
  const back = node("button", { type: "button", class: "link" }, text("backToEvents"));
  back.addEventListener("click", () => eventsOpen(showEventList, "events"));
  const changes = [];
  if (event.may_change && !event.cancelled) {
    changes.push(eventsEditForm(event));
    if (!event.over) {
      changes.push(eventsRescheduleForm(event), eventsCancelSection(event));
    }
  }
  document.getElementById("main").replaceChildren(
    back,
    node("h2", {}, event.title),
    notice ? node("p", { role: "status", class: "notice" }, notice) : "",
    event.cancelled ? node("p", { class: "error" }, text("cancelledState")) : "",
    eventsFacts(event),
    eventsLinks(event),
    ...changes,
  );
}

// --- a new event ------------------------------------------------------------------------

function showNewEvent(listing) {
  const back = node("button", { type: "button", class: "link" }, text("backToEvents"));
  back.addEventListener("click", () => eventsOpen(showEventList, "events"));
  const titles = {};
  const fields = listing.languages.map((language, index) => {
    titles[language] = eventsInput("", index === 0 ? { required: "" } : {});
    return eventsField(`new-title-${language}`, eventsTitleLabel(language), titles[language]);
  });
  const kind = eventsSelect(
    listing.kinds.map((name) => [name, text(`kind_${name}`)]),
    "round_table",
  );
  const hint = text("timeHint", { zone: listing.timezone });
  const starts = eventsInput("", { autocomplete: "off", placeholder: "2026-12-10 18:00" });
  const ends = eventsInput("", { autocomplete: "off", placeholder: "2026-12-10 20:00" });
  const place = eventsInput("");
  const capacity = eventsInput("", { inputmode: "numeric" });
  const reminders = eventsInput(listing.reminders);
  fields.push(
    eventsField("new-kind", text("kindLabel"), kind),
    eventsField("new-starts", text("startsLabel"), starts, hint),
    eventsField("new-ends", text("endsLabel"), ends, hint),
    eventsField("new-place", text("placeLabel"), place),
    eventsField("new-capacity", text("capacityLabel"), capacity, text("capacityHint")),
    eventsField("new-reminders", text("remindersLabel"), reminders, text("remindersHint")),
  );
  let municipality = null;
  if (listing.may_choose_municipality) {
    municipality = eventsMunicipalityChoice(listing.municipalities, "");
    fields.push(eventsField("new-municipality", text("municipalityLabel"), municipality));
  }
  const status = eventsStatus();
  const form = node(
    "form",
    { class: "event-form", "aria-labelledby": "new-heading", novalidate: "" },
    ...fields,
    node("button", { type: "submit" }, text("create")),
    status,
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const payload = {
      titles: Object.fromEntries(Object.entries(titles).map(([code, input]) => [code, input.value])),
      kind: kind.value,
      starts: starts.value,
      ends: ends.value,
      place: place.value,
      capacity: eventsCapacity(capacity.value),
      reminders: reminders.value,
    };
    if (municipality) {
      payload.municipality = municipality.value || null;
    }
    try {
      const result = await api("events", payload);
      eventsOpen(showEventDetail, eventPath(result.code), text("created"));
    } catch (error) {
      eventsSay(status, eventsProblem(error.message), true);
    }
  });
  document.getElementById("main").replaceChildren(
    back,
    node("h2", { id: "new-heading" }, text("newHeading")),
    form,
  );
  titles[listing.languages[0]].focus();
}

addPage({
  label: "eventsTab",
  roles: ["admin", "organizer", "staff"],
  path: "events",
  show: showEventList,
});
