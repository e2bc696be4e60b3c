"""The sandbox's demo history in words: its six past events, what participants wrote about
them, and the citizens' messages with the times of their answers and resolutions."""

from __future__ import annotations

from dataclasses import dataclass

from civic_feedback.storage.models import EventKind


@dataclass(frozen=True)
class PastEvent:
    title: dict[str, str]
    kind: EventKind
    registered: int
    attended: int
    weights: tuple[int, int, int, int, int]  # how often each rating 1..5 is given


EVENTS = (
    PastEvent(
        {
            "bg": "Кръгла маса: паркирането в центъра",
            "en": "Round table: parking in the centre",
            "tr": "Yuvarlak masa: merkezde otopark",
        },
        EventKind.ROUND_TABLE,
        24,
        18,
        (1, 2, 3, 4, 2),
    ),
    PastEvent(
        {
            "bg": "Информационна среща: ремонтът на ул. „Раковски“",
            "en": "Information meeting: the repair of Rakovski Street",
            "tr": "Bilgilendirme toplantısı: Rakovski Caddesi onarımı",
        },
        EventKind.INFO_MEETING,
        30,
        21,
        (0, 1, 3, 5, 4),
    ),
    PastEvent(
        {
            "bg": "Граждански панел: бюджет 2027",
            "en": "Citizen panel: the 2027 budget",
            "tr": "Vatandaş paneli: 2027 bütçesi",
        },
        EventKind.CITIZEN_PANEL,
        16,
        12,
        (0, 1, 2, 4, 5),
    ),
    PastEvent(
        {
            "bg": "Обучение: как да подадем сигнал",
            "en": "Training: how to report a problem",
            "tr": "Eğitim: bir sorun nasıl bildirilir",
        },
        EventKind.TRAINING,
        20,
        9,
        (0, 0, 1, 3, 4),
    ),
    PastEvent(
        {
            "bg": "Обществено обсъждане: детските площадки",
            "en": "Public consultation: playgrounds",
            "tr": "Kamuoyu danışması: oyun alanları",
        },
        EventKind.CONSULTATION,
        35,
        26,
        (1, 1, 3, 6, 5),
    ),
    PastEvent(
        {
            "bg": "Конференция: зелен град",
            "en": "Conference: a green city",
            "tr": "Konferans: yeşil şehir",
        },
        EventKind.CONFERENCE,
        60,
        41,
        (0, 1, 2, 5, 6),
    ),
)

# What participants wrote; each language repeats a few themes (parking, sound, timing,
# materials), as real comments do.
COMMENTS = {
    "bg": (
        "Нямаше къде да се паркира около залата.",
        "Паркирането беше истински проблем, дойдох пеша.",
        "Озвучаването беше слабо, отзад не се чуваше.",
        "Микрофонът не достигаше до задните редове, озвучаването трябва да се подобри.",
        "Много полезна среща, благодаря за материалите.",
        "Материалите можеше да се изпратят предварително по имейл.",
        "Срещата започна късно, а часът беше неудобен за работещите.",
        "По-удобен час след работа би събрал повече хора.",
    ),
    "en": (
        "Parking near the hall was impossible.",
        "The sound was poor: hard to hear the speakers at the back.",
        "Please send the materials before the meeting.",
        "The meeting started late and ran over time.",
    ),
    "tr": (
        "Salonun yakınında park yeri yoktu.",
        "Arka sıralardan konuşmacılar duyulmuyordu, ses zayıftı.",
        "Toplantı geç başladı.",
        "Materyaller önceden gönderilse iyi olur.",
    ),
}
LANGUAGES = ("bg", "bg", "bg", "en", "tr")  # who comes: mostly Bulgarian speakers

# Citizens' messages: (week, day of the week, hour, topic, language, text, hours to a first
# answer or None, days to resolve or None). Week 1 is the one before the current one.
MESSAGES = (
    (6, 0, 9, "roads_transport", "bg", "Дупка на кръстовището до училището.", 3, 4),
    (6, 2, 18, "cleanliness_environment", "bg", "Контейнерите не са извозвани от седмица.", 20, 2),
    (5, 1, 11, "parks_public_spaces", "en", "A broken bench in the park by the river.", 26, 9),
    (5, 3, 8, "roads_transport", "tr", "Durakta tabela yok, otobüs saatleri görünmüyor.", 5, None),
    (4, 0, 14, "roads_transport", "bg", "Не работи светофарът на бул. „Руски“.", 1, 1),
    (
        4,
        4,
        20,
        "social_health",
        "bg",
        "Няма рампа за инвалидни колички пред поликлиниката.",
        30,
        None,
    ),
    (3, 1, 10, "cleanliness_environment", "bg", "Нерегламентирано сметище до гаражите.", 6, 3),
    (3, 2, 16, "culture_events", "en", "Could the library stay open on Saturdays?", 48, None),
    (2, 0, 9, "roads_transport", "bg", "Паднал клон препречва тротоара.", 2, 1),
    (2, 3, 13, "parks_public_spaces", "tr", "Oyun parkındaki salıncak kırık.", 22, 6),
    (2, 5, 11, "administration", "bg", "Как да заявя удостоверение онлайн?", 4, 1),
    (1, 1, 8, "cleanliness_environment", "bg", "Разлята боя на паркинга пред блока.", 7, None),
    (1, 2, 17, "roads_transport", "en", "The zebra crossing on Main Street has faded.", None, None),
    (1, 4, 10, "parks_public_spaces", "bg", "Фонтанът в градината не работи.", None, None),
)
ANSWERS = {
    "bg": "Благодарим за сигнала! Предадохме го на отговорния отдел.",
    "en": "Thank you for your message! We have passed it to the department in charge.",
    "tr": "Mesajınız için teşekkürler! İlgili birime ilettik.",
}
