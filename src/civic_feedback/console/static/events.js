// The console's events: find one, read its figures and links, download its posters and the
// attendance list for funders (every role); add, edit, reschedule and cancel (admins and
// organizers). Times are written and shown as 2026-12-10 18:00 in the deployment's zone.
"use strict";

addTexts({
  bg: {
    "events.eventsTab": "Събития",
    "events.eventsHeading": "Събития",
    "events.searchLabel": "Търсене в заглавията",
    "events.whenLabel": "Кои",
    "events.upcoming": "Предстоящи",
    "events.past": "Минали",
    "events.search": "Търси",
    "events.newEvent": "Ново събитие",
    "events.noEventsFound": "Няма такива събития.",
    "events.more": "Показани са първите {count}. Уточнете търсенето, за да видите останалите.",
    "events.cancelledMark": "Отменено",
    "events.peopleLine": "{registered} записани, {waiting} чакащи, {checked} дошли",
    "events.backToEvents": "← Всички събития",
    "events.kindFact": "Вид",
    "events.whenFact": "Кога",
    "events.placeFact": "Къде",
    "events.municipalityFact": "Община",
    "events.capacityFact": "Места",
    "events.noLimit": "без ограничение",
    "events.registeredFact": "Записани с място",
    "events.waitingFact": "В списъка на чакащите",
    "events.checkedInFact": "Отбелязали присъствие",
    "events.responsesFact": "Попълнени анкети",
    "events.remindersFact": "Напомняния преди началото",
    "events.noReminders": "няма",
    "events.cancelledState": "Събитието е отменено.",
    "events.linksHeading": "Връзки и плакати",
    "events.link_card": "Карта на събитието (записване)",
    "events.link_checkin": "Отбелязване на присъствие на място",
    "events.link_feedback": "Анкета за обратна връзка",
    "events.posterLink": "Плакат за",
    "events.posterPng": "Изтегли плаката (PNG)",
    "events.posterPdf": "Изтегли плаката (PDF)",
    "events.preparing": "Подготвя се…",
    "events.downloaded": "Файлът е изтеглен.",
    "events.toTelegram": "Telegram ще попита къде да запази {name}.",
    "events.attendanceHeading": "Присъствие за финансиращите",
    "events.attendanceHint":
      "Таблица (Excel) със записаните, чакащите, дошлите и попълнените анкети. Хората са с псевдоними, без имена.",
    "events.attendanceOne": "Изтегли присъствието (Excel)",
    "events.fromDay": "От ден",
    "events.toDay": "До ден (включително)",
    "events.attendanceRange": "Изтегли присъствието (Excel)",
    "events.editHeading": "Промяна",
    "events.titleIn": "Заглавие ({language})",
    "events.lang_bg": "на български",
    "events.lang_en": "на английски",
    "events.lang_tr": "на турски",
    "events.placeLabel": "Място",
    "events.capacityLabel": "Брой места",
    "events.capacityHint": "Празно: без ограничение. Щом местата се запълнят, следва списък на чакащите.",
    "events.remindersLabel": "Напомняния",
    "events.remindersHint":
      "Колко време преди началото, напр. 24h, 1h (d – дни, h – часове, m – минути). Празно: без напомняния.",
    "events.municipalityLabel": "Община",
    "events.noMunicipality": "Без община (за всички)",
    "events.saveChanges": "Запази промените",
    "events.nothingChanged": "Няма промени.",
    "events.saved": "Промените са записани.",
    "events.promoted": "{count} души от списъка на чакащите получиха място и ще бъдат уведомени.",
    "events.placeTold": "{count} души ще научат новото място в Telegram.",
    "events.overNote": "Събитието е минало: могат да се променят само заглавията и общината.",
    "events.rescheduleHeading": "Нова дата и час",
    "events.startsLabel": "Начало",
    "events.endsLabel": "Край",
    "events.timeHint": "Пишете така: 2026-12-10 18:00 (часът в {zone}).",
    "events.endsHint": "Празно: продължава колкото преди.",
    "events.moveNote": "Всички записани и чакащи получават едно съобщение с новата дата и час.",
    "events.move": "Премести събитието",
    "events.moved": "Събитието е преместено за {starts}. {count} души ще получат съобщение в Telegram.",
    "events.notMoved": "Събитието вече е по това време; никой не се уведомява отново.",
    "events.cancelHeading": "Отмяна",
    "events.cancelEvent": "Отмени събитието",
    "events.cancelQuestion":
      "Сигурни ли сте? Всички записани и чакащи ще получат съобщение, че събитието е отменено. Отмяната не може да се върне.",
    "events.cancelYes": "Да, отмени го",
    "events.cancelNo": "Не, остави го",
    "events.cancelledNotice": "Събитието е отменено. {count} души ще получат съобщение в Telegram.",
    "events.newHeading": "Ново събитие",
    "events.kindLabel": "Вид",
    "events.create": "Създай събитието",
    "events.created": "Събитието е създадено.",
    "events.kind_consultation": "Консултация",
    "events.kind_round_table": "Кръгла маса",
    "events.kind_conference": "Конференция",
    "events.kind_citizen_panel": "Граждански панел",
    "events.kind_training": "Обучение",
    "events.kind_info_meeting": "Информационна среща",
    "events.kind_other": "Друго",
    "events.error.not_found": "Няма такова събитие.",
    "events.error.not_allowed": "Събитията се създават и променят от организаторите и администраторите.",
    "events.error.malformed": "Проверете попълненото и опитайте отново.",
    "events.error.json_only": "Проверете попълненото и опитайте отново.",
    "events.error.title_empty": "Напишете заглавие.",
    "events.error.place_empty": "Напишете мястото.",
    "events.error.place_too_long": "Мястото е твърде дълго: до 500 знака.",
    "events.error.unknown_municipality": "Изберете община от списъка.",
    "events.error.unknown_form":
      "Анкетата за обратна връзка още не е публикувана. Помолете администратора да я публикува.",
    "events.error.ends_before_start": "Краят трябва да е след началото.",
    "events.error.starts_in_past": "Новото начало е вече минало. Изберете момент напред във времето.",
    "events.error.capacity_too_small": "Местата са поне 1. Оставете полето празно за без ограничение.",
    "events.error.capacity_too_large": "Местата са най-много 100 000.",
    "events.error.capacity_below_taken":
      "Вече има повече хора с място. Дайте поне толкова места, колкото са записаните (вижте по-горе): никой не губи мястото си.",
    "events.error.capacity_not_a_number": "Броят места е цяло число, напр. 40. Празно: без ограничение.",
    "events.error.event_cancelled": "Събитието е отменено и не може да се променя.",
    "events.error.event_over": "Събитието е минало: могат да се променят само заглавията и общината.",
    "events.error.starts_not_a_time": "Началото не е дата и час. Пишете така: 2026-12-10 18:00",
    "events.error.ends_not_a_time": "Краят не е дата и час. Пишете така: 2026-12-10 20:00",
    "events.error.bad_reminders":
      "Напомнянията се пишат така: 24h, 1h (d – дни, h – часове, m – минути), до 365d. Празно: без напомняния.",
    "events.error.bad_day": "Изберете ден.",
    "events.error.days_swapped": "Началният ден е след крайния. Разменете ги.",
    "events.error.no_events": "Няма събития в тези дни.",
    "events.error.no_bot_username":
      "Връзките и плакатите имат нужда от името на бота (BOT_USERNAME). Помолете администратора.",
  },
  en: {
    "events.eventsTab": "Events",
    "events.eventsHeading": "Events",
    "events.searchLabel": "Search the titles",
    "events.whenLabel": "Which",
    "events.upcoming": "Upcoming",
    "events.past": "Past",
    "events.search": "Search",
    "events.newEvent": "New event",
    "events.noEventsFound": "No such events.",
    "events.more": "The first {count} are shown. Narrow the search to see the others.",
    "events.cancelledMark": "Cancelled",
    "events.peopleLine": "{registered} registered, {waiting} waiting, {checked} checked in",
    "events.backToEvents": "← All events",
    "events.kindFact": "Kind",
    "events.whenFact": "When",
    "events.placeFact": "Where",
    "events.municipalityFact": "Municipality",
    "events.capacityFact": "Places",
    "events.noLimit": "no limit",
    "events.registeredFact": "Registered with a place",
    "events.waitingFact": "On the waiting list",
    "events.checkedInFact": "Checked in",
    "events.responsesFact": "Feedback responses",
    "events.remindersFact": "Reminders before the start",
    "events.noReminders": "none",
    "events.cancelledState": "This event is cancelled.",
    "events.linksHeading": "Links and posters",
    "events.link_card": "Event card (registration)",
    "events.link_checkin": "Check-in at the venue",
    "events.link_feedback": "Feedback form",
    "events.posterLink": "Poster for",
    "events.posterPng": "Download the poster (PNG)",
    "events.posterPdf": "Download the poster (PDF)",
    "events.preparing": "Preparing…",
    "events.downloaded": "The file is downloaded.",
    "events.toTelegram": "Telegram will ask where to save {name}.",
    "events.attendanceHeading": "Attendance for funders",
    "events.attendanceHint":
      "A spreadsheet (Excel) of those registered, waiting and checked in, and the feedback responses. People appear as pseudonyms, never by name.",
    "events.attendanceOne": "Download the attendance (Excel)",
    "events.fromDay": "From",
    "events.toDay": "To (included)",
    "events.attendanceRange": "Download the attendance (Excel)",
    "events.editHeading": "Change",
    "events.titleIn": "Title ({language})",
    "events.lang_bg": "in Bulgarian",
    "events.lang_en": "in English",
    "events.lang_tr": "in Turkish",
    "events.placeLabel": "Place",
    "events.capacityLabel": "Number of places",
    "events.capacityHint": "Empty: no limit. Once the places are taken, a waiting list follows.",
    "events.remindersLabel": "Reminders",
    "events.remindersHint":
      "How long before the start, e.g. 24h, 1h (d days, h hours, m minutes). Empty: no reminders.",
    "events.municipalityLabel": "Municipality",
    "events.noMunicipality": "No municipality (everyone)",
    "events.saveChanges": "Save the changes",
    "events.nothingChanged": "Nothing changed.",
    "events.saved": "The changes are saved.",
    "events.promoted": "{count} people on the waiting list got a place and will be told.",
    "events.placeTold": "{count} people will be told of the new place in Telegram.",
    "events.overNote": "The event is over: only its titles and municipality can change.",
    "events.rescheduleHeading": "New date and time",
    "events.startsLabel": "Starts",
    "events.endsLabel": "Ends",
    "events.timeHint": "Write it as 2026-12-10 18:00 ({zone} time).",
    "events.endsHint": "Empty: it lasts as long as before.",
    "events.moveNote": "Everyone registered or waiting gets one message with the new date and time.",
    "events.move": "Move the event",
    "events.moved": "The event is moved to {starts}. {count} people will get a message in Telegram.",
    "events.notMoved": "The event is at that time already; nobody is told again.",
    "events.cancelHeading": "Cancelling",
    "events.cancelEvent": "Cancel the event",
    "events.cancelQuestion":
      "Are you sure? Everyone registered or waiting will be told the event is cancelled. This cannot be undone.",
    "events.cancelYes": "Yes, cancel it",
    "events.cancelNo": "No, keep it",
    "events.cancelledNotice": "The event is cancelled. {count} people will get a message in Telegram.",
    "events.newHeading": "New event",
    "events.kindLabel": "Kind",
    "events.create": "Create the event",
    "events.created": "The event is created.",
    "events.kind_consultation": "Consultation",
    "events.kind_round_table": "Round table",
    "events.kind_conference": "Conference",
    "events.kind_citizen_panel": "Citizen panel",
    "events.kind_training": "Training",
    "events.kind_info_meeting": "Information meeting",
    "events.kind_other": "Other",
    "events.error.not_found": "There is no such event.",
    "events.error.not_allowed": "Events are added and changed by organizers and administrators.",
    "events.error.malformed": "Check what you filled in and try again.",
    "events.error.json_only": "Check what you filled in and try again.",
    "events.error.title_empty": "Write a title.",
    "events.error.place_empty": "Write the place.",
    "events.error.place_too_long": "The place is too long: at most 500 characters.",
    "events.error.unknown_municipality": "Choose a municipality from the list.",
    "events.error.unknown_form":
      "The feedback form is not published yet. Ask your administrator to publish it.",
    "events.error.ends_before_start": "The end must be after the start.",
    "events.error.starts_in_past": "The new start has passed already. Choose a time ahead.",
    "events.error.capacity_too_small": "There is at least 1 place. Leave it empty for no limit.",
    "events.error.capacity_too_large": "There are at most 100,000 places.",
    "events.error.capacity_below_taken":
      "More people have a place already. Give at least as many places as are registered (see above): nobody loses a place.",
    "events.error.capacity_not_a_number": "The number of places is a whole number, e.g. 40. Empty: no limit.",
    "events.error.event_cancelled": "The event is cancelled and cannot change.",
    "events.error.event_over": "The event is over: only its titles and municipality can change.",
    "events.error.starts_not_a_time": "The start is not a date and time. Write it as 2026-12-10 18:00",
    "events.error.ends_not_a_time": "The end is not a date and time. Write it as 2026-12-10 20:00",
    "events.error.bad_reminders":
      "Write the reminders as 24h, 1h (d days, h hours, m minutes), at most 365d. Empty: no reminders.",
    "events.error.bad_day": "Choose a day.",
    "events.error.days_swapped": "The first day is after the last. Swap them.",
    "events.error.no_events": "No events on those days.",
    "events.error.no_bot_username":
      "Links and posters need the bot's username (BOT_USERNAME). Ask your administrator.",
  },
  tr: {
    "events.eventsTab": "Etkinlikler",
    "events.eventsHeading": "Etkinlikler",
    "events.searchLabel": "Başlıklarda ara",
    "events.whenLabel": "Hangileri",
    "events.upcoming": "Yaklaşan",
    "events.past": "Geçmiş",
    "events.search": "Ara",
    "events.newEvent": "Yeni etkinlik",
    "events.noEventsFound": "Böyle bir etkinlik yok.",
    "events.more": "İlk {count} etkinlik gösteriliyor. Diğerlerini görmek için aramayı daraltın.",
    "events.cancelledMark": "İptal edildi",
    "events.peopleLine": "{registered} kayıtlı, {waiting} bekleyen, {checked} katılan",
    "events.backToEvents": "← Tüm etkinlikler",
    "events.kindFact": "Türü",
    "events.whenFact": "Ne zaman",
    "events.placeFact": "Nerede",
    "events.municipalityFact": "Belediye",
    "events.capacityFact": "Kontenjan",
    "events.noLimit": "sınırsız",
    "events.registeredFact": "Yeri olan kayıtlılar",
    "events.waitingFact": "Bekleme listesinde",
    "events.checkedInFact": "Katılımını bildiren",
    "events.responsesFact": "Doldurulan anketler",
    "events.remindersFact": "Başlangıçtan önce hatırlatmalar",
    "events.noReminders": "yok",
    "events.cancelledState": "Bu etkinlik iptal edildi.",
    "events.linksHeading": "Bağlantılar ve afişler",
    "events.link_card": "Etkinlik kartı (kayıt)",
    "events.link_checkin": "Etkinlik yerinde katılım bildirimi",
    "events.link_feedback": "Geri bildirim anketi",
    "events.posterLink": "Afiş için",
    "events.posterPng": "Afişi indir (PNG)",
    "events.posterPdf": "Afişi indir (PDF)",
    "events.preparing": "Hazırlanıyor…",
    "events.downloaded": "Dosya indirildi.",
    "events.toTelegram": "Telegram, {name} dosyasının nereye kaydedileceğini soracak.",
    "events.attendanceHeading": "Destekçiler için katılım",
    "events.attendanceHint":
      "Kayıtlı, bekleyen ve katılan kişilerle anket yanıtlarını içeren tablo (Excel). Kişiler isimle değil, takma adla yer alır.",
    "events.attendanceOne": "Katılımı indir (Excel)",
    "events.fromDay": "Başlangıç günü",
    "events.toDay": "Bitiş günü (dahil)",
    "events.attendanceRange": "Katılımı indir (Excel)",
    "events.editHeading": "Değiştir",
    "events.titleIn": "Başlık ({language})",
    "events.lang_bg": "Bulgarca",
    "events.lang_en": "İngilizce",
    "events.lang_tr": "Türkçe",
    "events.placeLabel": "Yer",
    "events.capacityLabel": "Kontenjan",
    "events.capacityHint": "Boş: sınırsız. Yerler dolunca bekleme listesi başlar.",
    "events.remindersLabel": "Hatırlatmalar",
    "events.remindersHint":
      "Başlangıçtan ne kadar önce, ör. 24h, 1h (d gün, h saat, m dakika). Boş: hatırlatma yok.",
    "events.municipalityLabel": "Belediye",
    "events.noMunicipality": "Belediye yok (herkes için)",
    "events.saveChanges": "Değişiklikleri kaydet",
    "events.nothingChanged": "Değişiklik yok.",
    "events.saved": "Değişiklikler kaydedildi.",
    "events.promoted": "Bekleme listesinden {count} kişi yer aldı ve bilgilendirilecek.",
    "events.placeTold": "{count} kişiye yeni yer Telegram'da bildirilecek.",
    "events.overNote": "Etkinlik sona erdi: yalnızca başlıkları ve belediyesi değiştirilebilir.",
    "events.rescheduleHeading": "Yeni tarih ve saat",
    "events.startsLabel": "Başlangıç",
    "events.endsLabel": "Bitiş",
    "events.timeHint": "Şöyle yazın: 2026-12-10 18:00 ({zone} saati).",
    "events.endsHint": "Boş: önceki kadar sürer.",
    "events.moveNote": "Kayıtlı ve bekleyen herkes yeni tarih ve saatle tek bir mesaj alır.",
    "events.move": "Etkinliği taşı",
    "events.moved": "Etkinlik {starts} tarihine taşındı. {count} kişi Telegram'da mesaj alacak.",
    "events.notMoved": "Etkinlik zaten bu saatte; kimseye yeniden bildirilmez.",
    "events.cancelHeading": "İptal",
    "events.cancelEvent": "Etkinliği iptal et",
    "events.cancelQuestion":
      "Emin misiniz? Kayıtlı ve bekleyen herkese etkinliğin iptal edildiği bildirilecek. Bu geri alınamaz.",
    "events.cancelYes": "Evet, iptal et",
    "events.cancelNo": "Hayır, kalsın",
    "events.cancelledNotice": "Etkinlik iptal edildi. {count} kişi Telegram'da mesaj alacak.",
    "events.newHeading": "Yeni etkinlik",
    "events.kindLabel": "Türü",
    "events.create": "Etkinliği oluştur",
    "events.created": "Etkinlik oluşturuldu.",
    "events.kind_consultation": "İstişare toplantısı",
    "events.kind_round_table": "Yuvarlak masa",
    "events.kind_conference": "Konferans",
    "events.kind_citizen_panel": "Vatandaş paneli",
    "events.kind_training": "Eğitim",
    "events.kind_info_meeting": "Bilgilendirme toplantısı",
    "events.kind_other": "Diğer",
    "events.error.not_found": "Böyle bir etkinlik yok.",
    "events.error.not_allowed": "Etkinlikleri organizatörler ve yöneticiler ekler ve değiştirir.",
    "events.error.malformed": "Doldurduklarınızı kontrol edip tekrar deneyin.",
    "events.error.json_only": "Doldurduklarınızı kontrol edip tekrar deneyin.",
    "events.error.title_empty": "Bir başlık yazın.",
    "events.error.place_empty": "Yeri yazın.",
    "events.error.place_too_long": "Yer çok uzun: en fazla 500 karakter.",
    "events.error.unknown_municipality": "Listeden bir belediye seçin.",
    "events.error.unknown_form": "Geri bildirim anketi henüz yayımlanmadı. Yöneticinizden yayımlamasını isteyin.",
    "events.error.ends_before_start": "Bitiş, başlangıçtan sonra olmalı.",
    "events.error.starts_in_past": "Yeni başlangıç geçmişte kaldı. İleride bir zaman seçin.",
    "events.error.capacity_too_small": "Kontenjan en az 1. Sınırsız için boş bırakın.",
    "events.error.capacity_too_large": "Kontenjan en fazla 100.000.",
    "events.error.capacity_below_taken":
      "Yeri olan kişi sayısı daha fazla. En az kayıtlı sayısı kadar yer verin (yukarıya bakın): kimse yerini kaybetmez.",
    "events.error.capacity_not_a_number": "Kontenjan bir tam sayıdır, ör. 40. Boş: sınırsız.",
    "events.error.event_cancelled": "Etkinlik iptal edildi ve değiştirilemez.",
    "events.error.event_over": "Etkinlik sona erdi: yalnızca başlıkları ve belediyesi değiştirilebilir.",
    "events.error.starts_not_a_time": "Başlangıç bir tarih ve saat değil. Şöyle yazın: 2026-12-10 18:00",
    "events.error.ends_not_a_time": "Bitiş bir tarih ve saat değil. Şöyle yazın: 2026-12-10 20:00",
    "events.error.bad_reminders":
      "Hatırlatmaları şöyle yazın: 24h, 1h (d gün, h saat, m dakika), en fazla 365d. Boş: hatırlatma yok.",
    "events.error.bad_day": "Bir gün seçin.",
    "events.error.days_swapped": "İlk gün son günden sonra. Yerlerini değiştirin.",
    "events.error.no_events": "Bu günlerde etkinlik yok.",
    "events.error.no_bot_username":
      "Bağlantılar ve afişler için botun kullanıcı adı (BOT_USERNAME) gerekir. Yöneticinize danışın.",
  },
});

const EVENT_LINKS = ["card", "checkin", "feedback"];

function eventsProblem(code) {
  // This page's own sentence for a code, else the console's (unauthorized, no_role, ...).
  if (`events.error.${code}` in TEXTS.en) {
    return text(`events.error.${code}`);
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

async function eventsDownload(file, params, path, status) {
  eventsSay(status, text("events.preparing"), false);
  try {
    const saved = await saveFile(file, params, { path });
    eventsSay(status, text(saved.telegram ? "events.toTelegram" : "events.downloaded", { name: saved.name }), false);
  } catch (error) {
    eventsSay(status, eventsProblem(error.message), true);
  }
}

function eventsTitleLabel(language) {
  return text("events.titleIn", { language: text(`events.lang_${language}`) });
}

function eventsPeople(event) {
  return text("events.peopleLine", {
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
      ["upcoming", text("events.upcoming")],
      ["past", text("events.past")],
    ],
    listing.past ? "past" : "upcoming",
  );
  const form = node(
    "form",
    { class: "event-form", role: "search" },
    eventsField("event-search", text("events.searchLabel"), search),
    eventsField("event-when", text("events.whenLabel"), when),
    node("button", { type: "submit" }, text("events.search")),
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
      parts.unshift(text("events.cancelledMark"));
    }
    return node("li", {}, open, node("span", { class: "details" }, parts.filter(Boolean).join(" · ")));
  });
  let adding = "";
  if (listing.may_change) {
    adding = node("button", { type: "button", class: "action" }, text("events.newEvent"));
    adding.addEventListener("click", () => showNewEvent(listing));
  }
  document.getElementById("main").replaceChildren(
    node("h2", {}, text("events.eventsHeading")),
    form,
    adding,
    items.length ? node("ul", { class: "items" }, ...items) : node("p", {}, text("events.noEventsFound")),
    listing.more ? node("p", {}, text("events.more", { count: listing.events.length })) : "",
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
    eventsField("attendance-from", text("events.fromDay"), first),
    eventsField("attendance-to", text("events.toDay"), last),
    node("button", { type: "submit" }, text("events.attendanceRange")),
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
    eventsDownload("attendance", Object.fromEntries(query), `events/attendance?${query}`, status);
  });
  return node(
    "section",
    { "aria-labelledby": "attendance-heading" },
    node("h3", { id: "attendance-heading" }, text("events.attendanceHeading")),
    node("p", { class: "hint" }, text("events.attendanceHint")),
    form,
  );
}

// --- one event --------------------------------------------------------------------------

function eventsFacts(event) {
  const facts = [
    [text("events.kindFact"), text(`events.kind_${event.kind}`)],
    [text("events.whenFact"), `${event.starts} – ${event.ends} (${event.timezone})`],
    [text("events.placeFact"), event.place || "—"],
    [text("events.municipalityFact"), event.municipality || "—"],
    [text("events.capacityFact"), event.capacity === null ? text("events.noLimit") : event.capacity],
    [text("events.registeredFact"), event.registered],
    [text("events.waitingFact"), event.waiting],
    [text("events.checkedInFact"), event.checked_in],
    [text("events.responsesFact"), event.responses],
    [text("events.remindersFact"), event.reminders || text("events.noReminders")],
  ];
  return node(
    "dl",
    { class: "facts" },
    ...facts.flatMap(([name, value]) => [node("dt", {}, name), node("dd", {}, value)]),
  );
}

function eventsLinks(event) {
  const heading = node("h3", { id: "links-heading" }, text("events.linksHeading"));
  if (!event.links) {
    return node("section", {}, heading, node("p", {}, text("events.error.no_bot_username")));
  }
  const links = node(
    "ul",
    { class: "links" },
    ...EVENT_LINKS.map((kind) =>
      node(
        "li",
        {},
        node("span", { class: "name" }, text(`events.link_${kind}`)),
        node("a", { href: event.links[kind], target: "_blank", rel: "noopener" }, event.links[kind]),
      ),
    ),
  );
  const choice = eventsSelect(
    EVENT_LINKS.map((kind) => [kind, text(`events.link_${kind}`)]),
    "card",
  );
  const status = eventsStatus();
  const buttons = ["png", "pdf"].map((format) => {
    const button = node("button", { type: "button" }, text(format === "png" ? "events.posterPng" : "events.posterPdf"));
    button.addEventListener("click", () =>
      eventsDownload(
        "poster",
        { code: event.code, link: choice.value, format },
        eventPath(event.code, `/poster?link=${choice.value}&format=${format}`),
        status,
      ),
    );
    return button;
  });
  const attendance = node("button", { type: "button" }, text("events.attendanceOne"));
  const counted = eventsStatus();
  attendance.addEventListener("click", () =>
    eventsDownload(
      "attendance",
      { code: event.code },
      `events/attendance?code=${encodeURIComponent(event.code)}`,
      counted,
    ),
  );
  return node(
    "section",
    { "aria-labelledby": "links-heading" },
    heading,
    links,
    node("div", { class: "event-form" }, eventsField("poster-link", text("events.posterLink"), choice), ...buttons, status),
    node("h3", {}, text("events.attendanceHeading")),
    node("p", { class: "hint" }, text("events.attendanceHint")),
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
    [["", text("events.noMunicipality")], ...municipalities.map((name) => [name, name])],
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
    eventsField("edit-place", text("events.placeLabel"), inputs.place),
    eventsField("edit-capacity", text("events.capacityLabel"), inputs.capacity, text("events.capacityHint")),
    eventsField("edit-reminders", text("events.remindersLabel"), inputs.reminders, text("events.remindersHint")),
  );
  if (event.may_choose_municipality) {
    inputs.municipality = eventsMunicipalityChoice(event.municipalities, event.municipality);
    fields.push(eventsField("edit-municipality", text("events.municipalityLabel"), inputs.municipality));
  }
  const status = eventsStatus();
  const form = node(
    "form",
    { class: "event-form", "aria-labelledby": "edit-heading" },
    node("h3", { id: "edit-heading" }, text("events.editHeading")),
    event.over ? node("p", { class: "hint" }, text("events.overNote")) : "",
    ...fields,
    node("button", { type: "submit" }, text("events.saveChanges")),
    status,
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const payload = eventsEditPayload(event, inputs);
    if (!Object.keys(payload).length) {
      eventsSay(status, text("events.nothingChanged"), false);
      return;
    }
    try {
      const result = await api(eventPath(event.code, "/edit"), payload);
      const said = [text(result.changes.length ? "events.saved" : "events.nothingChanged")];
      if (result.promoted) {
        said.push(text("events.promoted", { count: result.promoted }));
      }
      if (result.changes.includes("place")) {
        said.push(text("events.placeTold", { count: result.told }));
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
  const hint = text("events.timeHint", { zone: event.timezone });
  const form = node(
    "form",
    { class: "event-form", "aria-labelledby": "reschedule-heading" },
    node("h3", { id: "reschedule-heading" }, text("events.rescheduleHeading")),
    node("p", { class: "hint" }, text("events.moveNote")),
    eventsField("reschedule-starts", text("events.startsLabel"), starts, hint),
    eventsField("reschedule-ends", text("events.endsLabel"), ends, text("events.endsHint")),
    node("button", { type: "submit" }, text("events.move")),
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
        ? text("events.moved", { starts: result.starts, count: result.told })
        : text("events.notMoved");
      eventsOpen(showEventDetail, eventPath(event.code), said);
    } catch (error) {
      eventsSay(status, eventsProblem(error.message), true);
    }
  });
  return form;
}

function eventsCancelSection(event) {
  const status = eventsStatus();
  const ask = node("button", { type: "button", class: "danger" }, text("events.cancelEvent"));
  const yes = node("button", { type: "button", class: "danger" }, text("events.cancelYes"));
  const no = node("button", { type: "button" }, text("events.cancelNo"));
  const question = node("p", { id: "cancel-question" }, text("events.cancelQuestion"));
  const { group: confirm, show } = confirmStep(ask, question, yes, no);
  ask.addEventListener("click", show);
  yes.addEventListener("click", async () => {
    try {
      const result = await api(eventPath(event.code, "/cancel"), {});
      eventsOpen(showEventDetail, eventPath(event.code), text("events.cancelledNotice", { count: result.told }));
    } catch (error) {
      eventsSay(status, eventsProblem(error.message), true);
    }
  });
  return node(
    "section",
    { class: "event-form", "aria-labelledby": "cancel-heading" },
    node("h3", { id: "cancel-heading" }, text("events.cancelHeading")),
    ask,
    confirm,
    status,
  );
}

function showEventDetail(event, notice) {
  const back = node("button", { type: "button", class: "link" }, text("events.backToEvents"));
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
    event.cancelled ? node("p", { class: "error" }, text("events.cancelledState")) : "",
    eventsFacts(event),
    eventsResults(event),
    eventsLinks(event),
    ...changes,
  );
}

// --- a new event ------------------------------------------------------------------------

function showNewEvent(listing) {
  const back = node("button", { type: "button", class: "link" }, text("events.backToEvents"));
  back.addEventListener("click", () => eventsOpen(showEventList, "events"));
  const titles = {};
  const fields = listing.languages.map((language, index) => {
    titles[language] = eventsInput("", index === 0 ? { required: "" } : {});
    return eventsField(`new-title-${language}`, eventsTitleLabel(language), titles[language]);
  });
  const kind = eventsSelect(
    listing.kinds.map((name) => [name, text(`events.kind_${name}`)]),
    "round_table",
  );
  const hint = text("events.timeHint", { zone: listing.timezone });
  const starts = eventsInput("", { autocomplete: "off" });
  const ends = eventsInput("", { autocomplete: "off" });
  const place = eventsInput("");
  const capacity = eventsInput("", { inputmode: "numeric" });
  const reminders = eventsInput(listing.reminders);
  fields.push(
    eventsField("new-kind", text("events.kindLabel"), kind),
    eventsField("new-starts", text("events.startsLabel"), starts, hint),
    eventsField("new-ends", text("events.endsLabel"), ends, hint),
    eventsField("new-place", text("events.placeLabel"), place),
    eventsField("new-capacity", text("events.capacityLabel"), capacity, text("events.capacityHint")),
    eventsField("new-reminders", text("events.remindersLabel"), reminders, text("events.remindersHint")),
  );
  let municipality = null;
  if (listing.may_choose_municipality) {
    municipality = eventsMunicipalityChoice(listing.municipalities, "");
    fields.push(eventsField("new-municipality", text("events.municipalityLabel"), municipality));
  }
  const status = eventsStatus();
  const form = node(
    "form",
    { class: "event-form", "aria-labelledby": "new-heading", novalidate: "" },
    ...fields,
    node("button", { type: "submit" }, text("events.create")),
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
      eventsOpen(showEventDetail, eventPath(result.code), text("events.created"));
    } catch (error) {
      eventsSay(status, eventsProblem(error.message), true);
    }
  });
  document.getElementById("main").replaceChildren(
    back,
    node("h2", { id: "new-heading" }, text("events.newHeading")),
    form,
  );
  titles[listing.languages[0]].focus();
}

addPage({
  label: "events.eventsTab",
  roles: ["admin", "organizer", "staff"],
  path: "events",
  show: showEventList,
});
