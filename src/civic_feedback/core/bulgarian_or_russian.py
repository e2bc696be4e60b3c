"""Bulgarian or Russian: what a Cyrillic comment's letters, words and endings say.

Statistical detectors mix the two up on short comments ("Беше много полезно" is Russian to
langdetect, "Фонарь возле аптеки не работает" Bulgarian to some), yet most comments carry a
sign that settles it: a letter only one of the languages writes, a word only one of them uses
("ще", "беше", "това" / "что", "очень", "спасибо"), an ending only one of them has (the
Russian "-ться" and "-ого", the Bulgarian article "-ата"). Each sign weighs according to how
sure it is; the detector asks its model only when the signs are missing or disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRONG = 3  # a letter only one of the languages writes that way
_WORD = 2  # a common word only one of them uses
_ENDING = 1  # an ending one of them has, and the other has in a few rare words

# Russian writes ы, э and ё; Bulgarian writes ь only before о (шофьор), Russian everywhere
# else (день, больше); Bulgarian writes ъ anywhere (път, въпрос), Russian only as a
# separator before е, ё, ю and я (подъезд); ѝ (her) is Bulgarian alone.
_RUSSIAN_LETTERS = re.compile(r"[ыэё]|ь(?!о)")
_BULGARIAN_LETTERS = re.compile(r"ъ(?![еёюя])|ѝ")
_WORDS = re.compile(r"[а-яёѝ]+(?:-[а-яёѝ]+)*")

# Common words of one language that the other does not use.
BULGARIAN_WORDS = frozenset({
    "е", "са", "съм", "сме", "сте", "ще", "беше", "бяха", "бях", "бяхме", "бил", "няма",
    "нямаше", "нямам", "нямаме", "какво", "това", "тази", "този", "тези", "които", "който",
    "която", "което", "защо", "защото", "тук", "нищо", "всичко", "всички", "нещо", "някой",
    "някои", "кога", "къде", "кой", "коя", "кое", "кои", "ако", "също", "сега", "днес", "утре",
    "винаги", "никога", "добре", "хубаво", "хубава", "хубав", "хубави", "благодаря",
    "благодарим", "моля", "трябва", "трябваше", "искам", "искаме", "има", "имаше", "имаме",
    "имат", "може", "мога", "ги", "ви", "му", "го", "ме", "си", "се", "пак", "още", "вече",
    "малко", "доста", "твърде", "прекалено", "след", "пред", "през", "към", "във", "със",
    "нито", "дали", "ама", "бе", "абе", "щото", "нали", "обаче", "изобщо", "колко", "така",
    "нея", "тях", "мен", "аз", "ти", "тя", "ние", "вие", "срещата", "среща", "срещи", "кмет",
    "кмета", "кметът", "общината", "време", "хората", "човек", "деца", "дете"
})  # fmt: skip
RUSSIAN_WORDS = frozenset({
    "это", "что", "чтобы", "очень", "было", "был", "была", "были", "будет", "будут", "есть",
    "нет", "спасибо", "пожалуйста", "где", "когда", "если", "нужно", "надо", "нужен", "нужна",
    "только", "уже", "еще", "хорошо", "плохо", "понравилось", "понравился", "понравилась",
    "мне", "меня", "нам", "вам", "его", "ее", "она", "они", "оно", "мы", "вы", "тоже", "здесь",
    "сейчас", "почему", "потому", "который", "которые", "которая", "можно", "лучше", "хуже",
    "время", "всё", "всем", "весь", "вся", "всех", "сделать", "сделали", "хочу", "хотим",
    "хотелось", "жаль", "жалко", "тут", "всегда", "никогда", "ничего", "никто", "кто", "вот",
    "опять", "снова", "сегодня", "завтра", "год", "года", "году", "людей", "люди", "дети",
    "детей", "город", "улице", "дороге", "дорогу", "к", "о", "об", "у", "со", "же", "бы",
    "спс", "привет", "здравствуйте", "большое", "большой", "большая", "огромное", "понятно",
    "мало"
})  # fmt: skip
# Russian: reflexive verbs (-тся, -ться), adjectives (-ого, -его, -ому, -ая, -ое, -ий).
_RUSSIAN_ENDINGS = ("тся", "ого", "его", "ому", "ему", "ая", "ое", "ий")
# Bulgarian: the definite article of feminine and neuter nouns (залата, селото, времето).
_BULGARIAN_ENDINGS = ("ата", "ото", "ето")
_ENDING_MIN_LENGTH = 5  # shorter words with these endings are common to both (кое, мое)
_COMMON = frozenset({"много", "строго"})  # common to both although they end like Russian


@dataclass(frozen=True)
class Signs:
    """How strongly a text's signs point to Bulgarian and to Russian."""

    bulgarian: int
    russian: int

    def verdict(self) -> str | None:
        """``bg`` or ``ru`` when the signs point one way, else None (ask the model)."""
        if self.bulgarian >= _WORD and self.bulgarian >= 3 * self.russian + _WORD:
            return "bg"
        if self.russian >= _WORD and self.russian >= 3 * self.bulgarian + _WORD:
            return "ru"
        return None

    def allow(self, language: str) -> bool:
        """Whether no more signs point away from the model's ``language`` than to it."""
        if language == "bg":
            return self.russian <= self.bulgarian
        if language == "ru":
            return self.bulgarian <= self.russian
        return True


def signs(text: str) -> Signs:
    """Count the signs of each language in a text's Cyrillic words."""
    lowered = text.lower()
    bulgarian = _STRONG * len(_BULGARIAN_LETTERS.findall(lowered))
    russian = _STRONG * len(_RUSSIAN_LETTERS.findall(lowered))
    for word in _WORDS.findall(lowered):
        if word in BULGARIAN_WORDS:
            bulgarian += _WORD
        elif word in RUSSIAN_WORDS:
            russian += _WORD
        elif len(word) >= _ENDING_MIN_LENGTH and word not in _COMMON:
            bulgarian += _ENDING * word.endswith(_BULGARIAN_ENDINGS)
            russian += _ENDING * word.endswith(_RUSSIAN_ENDINGS)
    return Signs(bulgarian, russian)
