"""The project report's words in Bulgarian, English and Turkish (reports/ has no gettext
catalogs; a short table, as the consultation report has)."""

from __future__ import annotations

REPORT_LANGUAGES = ("bg", "en", "tr")

LABELS: dict[str, dict[str, str]] = {
    "bg": {
        "heading": "Доклад за участието на гражданите",
        "period": "Период",
        "municipalities": "Общини",
        "all_municipalities": "всички",
        "glance": "Накратко",
        "events": "Събития",
        "registered": "Регистрирани",
        "attended": "Присъствали",
        "completed": "Попълнени анкети",
        "response_rate": "Дял на отговорилите",
        "csat": "Удовлетвореност (CSAT)",
        "average": "Средна оценка (1–5)",
        "nps": "NPS",
        "comments": "Коментари",
        "activities": "Дейности",
        "kind": "Вид",
        "count": "Брой",
        "event": "Събитие",
        "date": "Дата",
        "responses": "Отговори",
        "no_events": "През периода няма събития.",
        "chart_activities": "Регистрирани, присъствали и отговорили по събития",
        "satisfaction": "Удовлетвореност",
        "ratings": "Оценки",
        "nps_answers": "Отговори NPS",
        "this_period": "Този период",
        "previous_period": "Предходен период",
        "change": "Промяна",
        "month": "Месец",
        "per_event": "По събития",
        "per_month": "По месеци",
        "chart_months": "Удовлетвореност (CSAT) по месеци спрямо предходния период",
        "chart_months_alone": "Удовлетвореност (CSAT) по месеци",
        "too_many_to_chart": (
            "Събитията са {n}: диаграма по събития не е начертана, всяко е в таблицата."
        ),
        "chart_events_csat": "Удовлетвореност (CSAT) по събития",
        "consultations": "Обществени консултации",
        "consultation": "Консултация",
        "received": "Постъпили предложения",
        "accepted": "Приети",
        "partly": "Частично приети",
        "not_accepted": "Неприети",
        "undecided": "Без решение",
        "inbox": "Съобщения на гражданите",
        "topic": "Тема",
        "messages": "Съобщения",
        "messages_received": "Получени",
        "all_topics": "Всички теми",
        "answered": "Отговорени",
        "median_answer": "Медиана до първи отговор (часове)",
        "resolved": "Решени",
        "median_resolve": "Медиана до решаване (дни)",
        "said": "Какво казаха гражданите",
        "language": "Език",
        "theme": "Тема",
        "mentions": "Коментари, които я споменават",
        "quotes": "Цитати",
        "no_comments": "През периода няма коментари.",
        "not_analysed": "Без анализ на теми (руски или неопределен език)",
        "sampled": (
            "Темите са намерени в равномерна извадка: всеки {n}-и коментар; "
            "броят е сред прочетените."
        ),
        "method": "Методология и поверителност",
        "method_collection": (
            "Данните са събрани чрез Telegram бот: след всяко събитие участниците получават "
            "кратка анкета с оценки; гражданите могат да попълват и самостоятелни анкети, да "
            "правят предложения по обществени консултации и да пишат на общината."
        ),
        "method_anonymous": (
            "Докладът съдържа само обобщени числа. Цитатите са кратки откъси, от които са "
            "премахнати имена, телефони, имейли, адреси и профили. Анонимните анкети не се "
            "свързват с човека, който ги е попълнил."
        ),
        "method_rules": (
            "CSAT е делът на оценките в горните две точки на скалата; средната оценка е "
            "приведена към скала 1–5; NPS = % препоръчващи (9–10) − % критици (0–6). "
            "Числата са същите като в седмичното обобщение и експорта за същия избор."
        ),
        "bases": "Брой отговори зад числата",
        "thin_note": "† по-малко от 10 отговора (или съобщения): числото е ориентировъчно",
        "thin_none": "Всички числа се основават на поне 10 отговора.",
        "thin_list": "Числа с по-малко от 10 отговора",
        "none": "—",
        "rate_attended": "от присъствалите",
        "rate_registered": "от регистрираните",
        "consultation_kind": "консултация",
        "round_table": "кръгла маса",
        "conference": "конференция",
        "citizen_panel": "граждански панел",
        "training": "обучение",
        "info_meeting": "информационна среща",
        "other": "друго",
        "language_bg": "български",
        "language_en": "английски",
        "language_tr": "турски",
        "language_ru": "руски",
        "language_und": "неопределен",
    },
    "en": {
        "heading": "Report on citizens' participation",
        "period": "Period",
        "municipalities": "Municipalities",
        "all_municipalities": "all",
        "glance": "At a glance",
        "events": "Events",
        "registered": "Registered",
        "attended": "Attended",
        "completed": "Questionnaires completed",
        "response_rate": "Response rate",
        "csat": "Satisfaction (CSAT)",
        "average": "Average rating (1–5)",
        "nps": "NPS",
        "comments": "Comments",
        "activities": "Activities",
        "kind": "Kind",
        "count": "Number",
        "event": "Event",
        "date": "Date",
        "responses": "Responses",
        "no_events": "No events in the period.",
        "chart_activities": "Registered, attended and responded per event",
        "satisfaction": "Satisfaction",
        "ratings": "Ratings",
        "nps_answers": "NPS answers",
        "this_period": "This period",
        "previous_period": "Previous period",
        "change": "Change",
        "month": "Month",
        "per_event": "Per event",
        "per_month": "Per month",
        "chart_months": "Satisfaction (CSAT) per month against the previous period",
        "chart_months_alone": "Satisfaction (CSAT) per month",
        "too_many_to_chart": "{n} events: no chart per event is drawn; the table gives each one.",
        "chart_events_csat": "Satisfaction (CSAT) per event",
        "consultations": "Public consultations",
        "consultation": "Consultation",
        "received": "Proposals received",
        "accepted": "Accepted",
        "partly": "Partly accepted",
        "not_accepted": "Not accepted",
        "undecided": "No decision yet",
        "inbox": "Citizens' messages",
        "topic": "Topic",
        "messages": "Messages",
        "messages_received": "Received",
        "all_topics": "All topics",
        "answered": "Answered",
        "median_answer": "Median time to first answer (hours)",
        "resolved": "Resolved",
        "median_resolve": "Median time to resolve (days)",
        "said": "What citizens said",
        "language": "Language",
        "theme": "Theme",
        "mentions": "Comments mentioning it",
        "quotes": "Quotes",
        "no_comments": "No comments in the period.",
        "not_analysed": "Not analysed for themes (Russian or undetermined language)",
        "sampled": (
            "Themes were found in an even sample: one comment in {n}; the counts are of those read."
        ),
        "method": "Methodology and privacy",
        "method_collection": (
            "The data was collected through a Telegram bot: after each event the participants "
            "get a short questionnaire with ratings; citizens can also answer standalone "
            "questionnaires, make proposals on public consultations and write to the "
            "municipality."
        ),
        "method_anonymous": (
            "The report holds aggregate figures only. Quotes are short extracts with names, "
            "phone numbers, e-mails, addresses and handles removed. Anonymous questionnaires "
            "are never linked to the person who answered them."
        ),
        "method_rules": (
            "CSAT is the share of ratings in the top two points of their scale; the average "
            "rating is brought to a 1–5 scale; NPS = % promoters (9–10) − % detractors (0–6). "
            "The figures are those of the weekly summary and the export for the same selection."
        ),
        "bases": "Responses behind the figures",
        "thin_note": "† fewer than 10 responses (or messages): read the figure as indicative",
        "thin_none": "Every figure rests on at least 10 responses.",
        "thin_list": "Figures resting on fewer than 10 responses",
        "none": "—",
        "rate_attended": "of those who attended",
        "rate_registered": "of those registered",
        "consultation_kind": "consultation",
        "round_table": "round table",
        "conference": "conference",
        "citizen_panel": "citizen panel",
        "training": "training",
        "info_meeting": "information meeting",
        "other": "other",
        "language_bg": "Bulgarian",
        "language_en": "English",
        "language_tr": "Turkish",
        "language_ru": "Russian",
        "language_und": "undetermined",
    },
    "tr": {
        "heading": "Vatandaş katılımı raporu",
        "period": "Dönem",
        "municipalities": "Belediyeler",
        "all_municipalities": "tümü",
        "glance": "Özet",
        "events": "Etkinlikler",
        "registered": "Kayıtlı",
        "attended": "Katılan",
        "completed": "Tamamlanan anketler",
        "response_rate": "Yanıt oranı",
        "csat": "Memnuniyet (CSAT)",
        "average": "Ortalama puan (1–5)",
        "nps": "NPS",
        "comments": "Yorumlar",
        "activities": "Faaliyetler",
        "kind": "Tür",
        "count": "Sayı",
        "event": "Etkinlik",
        "date": "Tarih",
        "responses": "Yanıtlar",
        "no_events": "Bu dönemde etkinlik yok.",
        "chart_activities": "Etkinlik başına kayıtlı, katılan ve yanıtlayan",
        "satisfaction": "Memnuniyet",
        "ratings": "Puanlar",
        "nps_answers": "NPS yanıtları",
        "this_period": "Bu dönem",
        "previous_period": "Önceki dönem",
        "change": "Değişim",
        "month": "Ay",
        "per_event": "Etkinlik başına",
        "per_month": "Ay başına",
        "chart_months": "Aylık memnuniyet (CSAT), önceki döneme göre",
        "chart_months_alone": "Aylık memnuniyet (CSAT)",
        "too_many_to_chart": "{n} etkinlik: etkinlik başına grafik çizilmedi; her biri tabloda.",
        "chart_events_csat": "Etkinlik başına memnuniyet (CSAT)",
        "consultations": "Kamu danışmaları",
        "consultation": "Danışma",
        "received": "Alınan öneriler",
        "accepted": "Kabul edilen",
        "partly": "Kısmen kabul edilen",
        "not_accepted": "Kabul edilmeyen",
        "undecided": "Kararı olmayan",
        "inbox": "Vatandaş mesajları",
        "topic": "Konu",
        "messages": "Mesajlar",
        "messages_received": "Alınan",
        "all_topics": "Tüm konular",
        "answered": "Yanıtlanan",
        "median_answer": "İlk yanıta kadar medyan süre (saat)",
        "resolved": "Çözülen",
        "median_resolve": "Çözüme kadar medyan süre (gün)",
        "said": "Vatandaşlar ne dedi",
        "language": "Dil",
        "theme": "Konu",
        "mentions": "Bahseden yorumlar",
        "quotes": "Alıntılar",
        "no_comments": "Bu dönemde yorum yok.",
        "not_analysed": "Konu analizi yapılmayan (Rusça veya belirsiz dil)",
        "sampled": (
            "Konular eşit aralıklı bir örneklemde bulundu: her {n} yorumdan biri; "
            "sayılar okunanlar arasındadır."
        ),
        "method": "Yöntem ve gizlilik",
        "method_collection": (
            "Veriler bir Telegram botu ile toplandı: her etkinlikten sonra katılımcılar puanlı "
            "kısa bir anket alır; vatandaşlar ayrıca bağımsız anketleri yanıtlayabilir, kamu "
            "danışmalarına öneri verebilir ve belediyeye yazabilir."
        ),
        "method_anonymous": (
            "Rapor yalnızca toplu rakamlar içerir. Alıntılar; isimler, telefon numaraları, "
            "e-postalar, adresler ve kullanıcı adları çıkarılmış kısa bölümlerdir. Anonim "
            "anketler yanıtlayan kişiyle hiçbir zaman ilişkilendirilmez."
        ),
        "method_rules": (
            "CSAT, puanların ölçeğin en üst iki noktasındaki payıdır; ortalama puan 1–5 "
            "ölçeğine getirilir; NPS = % destekçi (9–10) − % kötüleyen (0–6). Rakamlar aynı "
            "seçim için haftalık özet ve dışa aktarımdakilerle aynıdır."
        ),
        "bases": "Rakamların dayandığı yanıt sayıları",
        "thin_note": "† 10'dan az yanıt (veya mesaj): rakam yol göstericidir",
        "thin_none": "Her rakam en az 10 yanıta dayanır.",
        "thin_list": "10'dan az yanıta dayanan rakamlar",
        "none": "—",
        "rate_attended": "katılanlardan",
        "rate_registered": "kayıtlılardan",
        "consultation_kind": "danışma toplantısı",
        "round_table": "yuvarlak masa",
        "conference": "konferans",
        "citizen_panel": "vatandaş paneli",
        "training": "eğitim",
        "info_meeting": "bilgilendirme toplantısı",
        "other": "diğer",
        "language_bg": "Bulgarca",
        "language_en": "İngilizce",
        "language_tr": "Türkçe",
        "language_ru": "Rusça",
        "language_und": "belirsiz",
    },
}


def kind_label(kind: str, language: str) -> str:
    """An event kind in ``language`` (``consultation`` has its own key: it names a section)."""
    words = LABELS[language]
    return words["consultation_kind"] if kind == "consultation" else words.get(kind, kind)


def language_label(code: str, language: str) -> str:
    """A comment's language (``bg``, ``und`` for undetermined) named in ``language``; a code
    the report has no name for stays as it is."""
    return LABELS[language].get(f"language_{code}", code)
