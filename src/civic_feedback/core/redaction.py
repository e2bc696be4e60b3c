"""Personal details taken out of a citizen's text before it is quoted in a report.

Names, phone numbers, e-mail addresses, street addresses and Telegram handles, in the ways
Bulgarian, English and Turkish write them, each become a marker in the report's language
("[име]", "[phone]", "[adres]"). Names are recognised by what stands around them: a title
or role ("г-н Петров", "Mayor Smith", "Sayın Ahmet Yılmaz", "Ayşe Hanım"), an introduction
("казвам се Мария"), a signature after a greeting, or a Bulgarian first name and surname
("Иван Петров"). A name with none of these is not found: a quote is a lead for a person to
read, not a guarantee. Places that name no home (a neighbourhood, a village) stay.

Every pattern matches from a word's start and scans forward only, so a hostile text of any
length costs time in proportion to its length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MARKERS = {
    "bg": {
        "name": "име",
        "phone": "телефон",
        "email": "имейл",
        "address": "адрес",
        "handle": "профил",
    },
    "en": {
        "name": "name",
        "phone": "phone",
        "email": "e-mail",
        "address": "address",
        "handle": "handle",
    },
    "tr": {
        "name": "isim",
        "phone": "telefon",
        "email": "e-posta",
        "address": "adres",
        "handle": "kullanıcı adı",
    },
}
# Invisible characters that could hide a detail from the patterns ("ivan\u200b@abv.bg").
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

_UPPER = "A-ZА-ЯЀ-ЏÇĞİÖŞÜÂÎÛ"
_LOWER = "a-zа-яѐ-џçğıöşüâîûäë"
# One word of a name: "Петров", "O'Brien", "Smith-Jones", "ПЕТРОВ", or an initial "Г.".
_NAME_WORD = (
    rf"(?:[{_UPPER}](?:[{_LOWER}]+|['’][{_UPPER}][{_LOWER}]+)(?:['’-][{_UPPER}]?[{_LOWER}]+)*"
    rf"|[{_UPPER}]{{2,}}|[{_UPPER}]\.)"
)
_NAME = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}}"

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+"
    r"(?:@|\s*[(\[{](?:at|а)[)\]}]\s*|\s+(?:маймунка|кльомба)\s+)"
    r"[\w-]+(?:(?:\.|\s*[(\[{](?:dot|точка)[)\]}]\s*)[\w-]+)+",
    re.IGNORECASE,
)
_PROFILE_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|facebook\.com|fb\.com|instagram\.com|"
    r"x\.com|twitter\.com|tiktok\.com|vk\.com)/[\w.@/-]+",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@./])@[A-Za-z0-9_]{2,32}\b")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d \t().\-/]{5,}\d(?!\w)")
_PHONE_WORDS = re.compile(
    r"(?:тел|телефон|gsm|мобилен|номер|phone|tel|mobile|call|cep|telefon|numara|numaram)\W*$",
    re.IGNORECASE,
)
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2}")
_MIN_PHONE_DIGITS = 7
_MAX_PHONE_DIGITS = 15

# "№" is "No" once the text is NFKC-normalised.
_NUMBER = r"(?:(?:№|No\.?)\s*)?\d+(?:\s*[-/]\s*\d+)?[a-zA-Zа-яА-Я]?\b"
_QUOTED = r"[„“\"«'][^„“”\"«»'\n]{1,60}[“”\"»']"
# бл. 25, вх. Б, ет. 3, ап. 12 (a value with a digit, or one capital letter)
_BUILDING = (
    r"(?i:бл|вх|ет|ап)(?:\.\s*|\s+)(?:(?:№|No\.?)\s*)?(?:\d+[А-Яа-яA-Za-z]?|[А-ЯA-Z])(?!\w)"
    r"|(?i:блок|апартамент)\s+(?:(?:№|No\.?)\s*)?\d+[А-Яа-яA-Za-z]?(?!\w)"
)
_ADDRESSES = (
    # ул. „Г. С. Раковски“ № 12, бул. България 5, ул. шипка 3, улица „Шипка“, пл. Независимост
    re.compile(
        rf"(?<!\w)(?:(?i:ул|бул|пл|ul|bul)\.\s*(?:{_QUOTED}|{_NAME}|[{_LOWER}]+)"
        rf"|(?i:ул|бул|улица|булевард|площад)\s+(?:{_QUOTED}|{_NAME}))"
        rf"(?:[ \t,]*{_NUMBER})?(?:[ \t,]*(?:{_BUILDING}))*"
    ),
    re.compile(rf"(?<!\w)(?:{_BUILDING})(?:[ \t,]*(?:{_BUILDING}))*"),
    # 221B Baker Street, Oak Road, Flat 3
    re.compile(
        rf"(?<!\w)(?:\d+[A-Za-z]?,?\s+)?(?:{_NAME_WORD}\s+){{1,3}}"
        r"(?:(?:Street|Road|Avenue|Lane|Boulevard|Drive|Close|Crescent|Terrace|Way|Place|Gardens)"
        r"|(?:St|Rd|Ave|Ln|Blvd)\b\.?)(?!\w)"
    ),
    re.compile(r"(?<!\w)(?:Flat|Apt|Apartment)\.?\s*\d+[A-Za-z]?\b"),
    # Atatürk Caddesi No: 15 Daire 4, Gül Sk. No 3 (not "ana caddede": in the main street)
    re.compile(
        rf"(?<!\w)(?:{_NAME_WORD}\s+){{1,3}}"
        r"(?:(?i:caddesi|cadde|sokak|sokağı|sokagi|bulvarı|bulvari)(?!\w)"
        r"|(?i:cad|cd|sok|sk|blv)\.)"
        r"(?:\s*(?i:no|numara)\s*[:.]?\s*\d+(?:/\d+)?)?"
        r"(?:\s*(?i:daire|d\.|kat)\s*[:.]?\s*\d+)*"
    ),
)

_BULGARIAN_TITLES = (
    r"г-н|г-жа|г-ца|г-н\.|господин|господина|господинът|госпожа|госпожата|госпожица|д-р|доктор"
    r"|доктора|докторът|инж\.|арх\.|проф\.|доц\.|адв\.|кмет|кмета|кметът|кметицата|кметица"
    r"|зам\.-кмет|зам\.-кмета|председател|председателя|председателят|директор|директора"
    r"|директорът|директорката|съветник|съветника|съветникът|колега|колегата|колежката"
    r"|служител|служителя|служителят|служителката|лектор|лектора|лекторът|лекторката"
    r"|водещ|водещия|водещият|водещата|модератор|модератора|модераторът|учител|учителката"
)
_ENGLISH_TITLES = (
    r"mr|mrs|ms|miss|mx|dr|prof|sir|dame|madam|mayor|deputy mayor|councillor|councilor|cllr"
    r"|officer|inspector|director|chair|chairman|chairwoman"
)
_TURKISH_TITLES_BEFORE = r"sayın|dr|doç|prof|av|müdür|başkan|muhtar|öğretmen|hoca"
_TURKISH_TITLES_AFTER = r"Bey|Hanım|Hanim|Efendi|Hoca|Usta|Abla|Abi|Ağabey|Teyze|Amca"
_INTRODUCTIONS = r"казвам се|името ми е|аз съм|my name is|i am called|benim adım|adım|ismim"
_GREETINGS = (
    r"поздрави|с уважение|благодаря|regards|best wishes|kind regards|thanks|cheers"
    r"|saygılarımla|selamlar|teşekkürler"
)
_BULGARIAN_SURNAME = r"[А-Я][а-я]+(?:ов|ова|ев|ева|ски|ска|ин|ина|ович|овски|овска)"


def _names() -> tuple[re.Pattern[str], ...]:
    titled = rf"(?i:{_BULGARIAN_TITLES}|{_ENGLISH_TITLES}|{_TURKISH_TITLES_BEFORE})"
    return (
        # the title stays, the name goes: "г-н [име]", "Mayor [name]"
        re.compile(rf"(?<!\w)(?P<keep>{titled}\.?[ \t]+)(?P<name>{_NAME})"),
        re.compile(rf"(?<!\w)(?P<name>{_NAME})(?P<keep>[ \t]+(?:{_TURKISH_TITLES_AFTER}))(?!\w)"),
        re.compile(rf"(?<!\w)(?P<keep>(?i:{_INTRODUCTIONS})[ \t]+)(?P<name>{_NAME})"),
        re.compile(rf"(?<!\w)(?P<keep>(?i:{_GREETINGS})[,!.]?\s+)(?P<name>{_NAME})\W*$"),
        re.compile(rf"(?<!\w)(?P<name>[А-Я][а-я]+[ \t]+{_BULGARIAN_SURNAME})(?!\w)"),
    )


_NAME_PATTERNS = _names()


def redact_personal_details(text: str, language: str) -> str:
    """``text`` with each personal detail replaced by its marker in ``language``."""
    markers = MARKERS.get(language, MARKERS["en"])
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = _PROFILE_LINK.sub(_marker(markers["handle"]), text)
    text = _EMAIL.sub(_marker(markers["email"]), text)
    text = _HANDLE.sub(_marker(markers["handle"]), text)
    text = _PHONE.sub(lambda match: _phones(match, markers["phone"]), text)
    for pattern in _ADDRESSES:
        text = pattern.sub(_marker(markers["address"]), text)
    for pattern in _NAME_PATTERNS:
        text = pattern.sub(lambda match: _name_replaced(match, markers["name"]), text)
    return text


def _marker(word: str) -> Callable[[re.Match[str]], str]:
    return lambda _: f"[{word}]"


def _phones(match: re.Match[str], word: str) -> str:
    """The phone numbers in a run of digits and separators, each replaced by a marker.

    A number is a phone if it has 7 to 15 digits and is dialled like one (it starts with +,
    00, 0 or a bracket) or follows a word such as "тел." or "phone"; a date never is. A run
    may hold more than a number ("05.06.2024 0888123456"): its space-separated chunks are
    read from the left, each time taking the longest run of chunks that is a phone.
    """
    span = match.group()
    chunks = [(chunk.start(), chunk.end()) for chunk in re.finditer(r"[^ \t]+", span)]
    out: list[str] = []
    cursor = first = 0
    while first < len(chunks):
        start = chunks[first][0]
        named = _PHONE_WORDS.search(
            match.string, max(0, match.start() + start - 20), match.start() + start
        )
        last = _longest_phone(span, chunks, first, named=named is not None)
        if last is None:
            first += 1
            continue
        out += [span[cursor:start], f"[{word}]"]
        cursor = chunks[last][1]
        first = last + 1
    return "".join([*out, span[cursor:]])


def _longest_phone(
    span: str, chunks: list[tuple[int, int]], first: int, *, named: bool
) -> int | None:
    """The last chunk of the longest phone number that starts at chunk ``first``, if any."""
    found = None
    for last in range(first, len(chunks)):
        number = span[chunks[first][0] : chunks[last][1]]
        digits = sum(c.isdigit() for c in number)
        if digits > _MAX_PHONE_DIGITS:
            break
        dialled = named or number[0] in "+0("
        if digits >= _MIN_PHONE_DIGITS and dialled and not _DATE.fullmatch(number):
            found = last
    return found


def _name_replaced(match: re.Match[str], word: str) -> str:
    keep = match.groupdict().get("keep") or ""
    replaced = f"[{word}]"
    return keep + replaced if match.start("name") > match.start() else replaced + keep
