"""Personal details out of quotes: names, phones, e-mails, addresses and Telegram handles,
as Bulgarian, English and Turkish write them, and as people try to hide them."""

from __future__ import annotations

import pytest

from civic_feedback.core.redaction import redact_personal_details


@pytest.mark.parametrize(
    ("language", "text", "redacted"),
    [
        ("bg", "Дупки на ул. Раковски 12.", "Дупки на [адрес]."),
        ("bg", "бул. България е разбит", "[адрес] е разбит"),
        ("bg", "ул. „Г. С. Раковски“ № 12, бл. 5, вх. Б, ет. 3, ап. 12", "[адрес]"),
        ("bg", "на улица „Шипка“ 5 и ул. шипка 3", "на [адрес] и [адрес]"),
        ("bg", "Блокът е в Младост 3, бл. 25, вх. Б.", "Блокът е в Младост 3, [адрес]."),
        ("bg", "Звънете на +359 88 123 4567", "Звънете на [телефон]"),
        ("bg", "или на 0888123456.", "или на [телефон]."),
        ("bg", "(02) 981 23 45 и 088/812-34-56", "[телефон] и [телефон]"),
        ("bg", "тел. 987 65 43", "тел. [телефон]"),
        ("bg", "пишете ivan@abv.bg.", "пишете [имейл]."),
        ("bg", "пишете на иван@поща.бг", "пишете на [имейл]"),
        ("bg", "ivan(at)abv(dot)bg и ivan [at] abv [dot] bg", "[имейл] и [имейл]"),
        ("bg", "ivan маймунка abv.bg", "[имейл]"),
        ("bg", "питайте @ivan или t.me/ivan_petrov", "питайте [профил] или [профил]"),
        ("bg", "facebook.com/ivan.petrov.75", "[профил]"),
        ("bg", "Г-н Петров обеща, г-жа Иванова не.", "Г-н [име] обеща, г-жа [име] не."),
        ("bg", "кметът Иван Стоянов не дойде", "кметът [име] не дойде"),
        ("bg", "д-р Г. Петров говори", "д-р [име] говори"),
        ("bg", "Г-Н ПЕТРОВ отсъстваше", "Г-Н [име] отсъстваше"),
        ("bg", "Мария Петрова също дойде.", "[име] също дойде."),
        ("bg", "Казвам се Мария и живея тук.", "Казвам се [име] и живея тук."),
        ("bg", "Нищо не се промени. Поздрави, Мария", "Нищо не се промени. Поздрави, [име]"),
        ("en", "Mr. John Smith promised.", "Mr. [name] promised."),
        ("en", "Ask Councillor Brown or Mayor O'Neill", "Ask Councillor [name] or Mayor [name]"),
        ("en", "I live at 221B Baker Street, Flat 3.", "I live at [address], [address]."),
        ("en", "Potholes on Oak Road. Fix them.", "Potholes on [address]. Fix them."),
        ("en", "Call 07700 900123 or (555) 123-4567.", "Call [phone] or [phone]."),
        ("en", "phone: 555 1234 567", "phone: [phone]"),
        ("en", "My name is Anna.", "My name is [name]."),
        ("en", "J.Smith+council@Mail.Example.co.uk wrote", "[e-mail] wrote"),
        ("tr", "Ahmet Bey'e söyledik.", "[isim] Bey'e söyledik."),
        (
            "tr",
            "Ayşe Hanım biliyor, Sayın Mehmet Yılmaz da.",
            "[isim] Hanım biliyor, Sayın [isim] da.",
        ),
        ("tr", "Atatürk Caddesi No: 15 Daire 4", "[adres]"),
        ("tr", "Gül Sk. No 3 karanlık", "[adres] karanlık"),
        ("tr", "Bana ulaşın: 0532 123 45 67", "Bana ulaşın: [telefon]"),
        ("tr", "+90 532 123 45 67", "[telefon]"),
        ("tr", "Benim adım Elif.", "Benim adım [isim]."),
    ],
)
def test_personal_details_become_markers_in_the_reports_language(
    language: str, text: str, redacted: str
) -> None:
    assert redact_personal_details(text, language) == redacted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("bg", "Срещата на 05.06.2024 в 18:30 струваше 1 200 000 лв."),
        ("bg", "Сметосъбирането в кв. Речица и в село Бяла е нередовно."),
        ("bg", "Улица в центъра е разбита, на третия етаж, до блока."),
        ("bg", "Новото LED осветление за 2024-2025 г. е слабо, Младост 3."),
        ("bg", "Лекторката беше много подготвена, кметът не дойде."),
        ("en", "The Q&A at 10am on 12/03/2026 was too short, 30 people left."),
        ("en", "Street lighting stops at the bridge; the road is dark."),
        ("tr", "Ana caddede lambalar yanmıyor, yer bul lütfen, sokakta karanlık."),
        ("tr", "Saat 17'de toplantı, 2 saat sürdü."),
    ],
)
def test_what_names_nobody_stays_as_written(language: str, text: str) -> None:
    assert redact_personal_details(text, language) == text


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        # hidden by invisible characters, full-width digits or right-to-left marks
        ("ivan\u200b@abv.bg", "[имейл]"),
        ("０８８８ １２３ ４５６", "[телефон]"),
        ("0888\u00ad123456", "[телефон]"),
        ("\u202e@ivan_petrov\u202c", "[профил]"),
        # spaced out, glued to a date, or two in a row
        ("0 8 8 8 1 2 3 4 5 6", "[телефон]"),
        ("05.06.2024 0888123456", "05.06.2024 [телефон]"),
        ("0888123456 0899654321", "[телефон] [телефон]"),
        # markup and markers already there
        ("<b>ivan@abv.bg</b>", "<b>[имейл]</b>"),
        ("[име] вече е скрит", "[име] вече е скрит"),
    ],
)
def test_hidden_and_tricky_details_are_found(text: str, redacted: str) -> None:
    assert redact_personal_details(text, "bg") == redacted


def test_a_long_hostile_text_is_read_through_and_its_details_still_found() -> None:
    filler = "a." * 20_000 + "@" + "1 " * 5_000 + "ул." * 3_000
    text = f"{filler} ivan@abv.bg"

    redacted = redact_personal_details(text, "bg")

    assert redacted.endswith(" [имейл]")
    assert "ivan@abv.bg" not in redacted


def test_unknown_languages_get_english_markers() -> None:
    assert redact_personal_details("звоните 0888123456", "ru") == "звоните [phone]"
