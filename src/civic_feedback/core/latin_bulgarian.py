"""Bulgarian typed in Latin letters ("Mnogo hubava sreshta", "6te ima li o6te sre6ti").

No statistical detector knows it: they call it English or Turkish. So it is recognised by its
words: the common Bulgarian words of ``bulgarian_words.txt``, spelled every way Bulgarians
type them in Latin letters (ш as sh, s or 6; ч as ch, c or 4; я as ya, ia, ja or q...), with
the endings of articles and plurals ("ulicata", "lektorite"). A text is Bulgarian when most
of its words are such words; a word that is also common English or Turkish ("da", "ne",
"no", "park") is left out of the list and so counts for nothing.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from importlib import resources

# How each Cyrillic letter is typed in Latin letters; the first spelling is the official one.
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g",), "д": ("d",), "е": ("e",),
    "ж": ("zh", "j", "z"), "з": ("z",), "и": ("i",), "й": ("y", "i", "j"), "к": ("k",),
    "л": ("l",), "м": ("m",), "н": ("n",), "о": ("o",), "п": ("p",), "р": ("r",),
    "с": ("s",), "т": ("t",), "у": ("u",), "ф": ("f",), "х": ("h",), "ц": ("ts", "c", "tz"),
    "ч": ("ch", "c"), "ш": ("sh", "s"), "щ": ("sht", "st"), "ъ": ("a", "u", "y", "`"),
    "ь": ("y", "j", "i"), "ю": ("yu", "ju", "iu", "u"), "я": ("ya", "q", "ia", "ja"),
    "-": ("-",),
}  # fmt: skip
# Digits typed for the letters they look like: "4" for ч, "6" for ш ("o6te", "4e").
_HABITS = str.maketrans({"4": "ch", "6": "sh"})
# Endings added to a listed word: articles (-ta, -to, -te, -at/-ut/-yt, -ya), plural (-i,
# -ove, -ite) and adjective forms (-a, -o, -i, -iya).
_ENDINGS = frozenset({
    "", "a", "o", "i", "e", "ta", "to", "te", "ti", "at", "ut", "yt", "ya", "yat", "qt", "iat",
    "jat", "iq", "ia", "iya", "ija", "iyat", "iqt", "ijat", "ite", "ove", "ovete",
})  # fmt: skip
_LONGEST_ENDING = max(map(len, _ENDINGS))
_MIN_STEM = 3  # "da" + "ta" is no Bulgarian word; stems shorter than this are not tried
# Single letters that are Bulgarian words and no English or Turkish one: в (in), с (with), е (is).
_LETTER_WORDS = frozenset("vse")
_WORD = re.compile(r"[^\W_]+(?:['’`-][^\W_]+)*")
_TYPED = re.compile(r"[a-z`'’-]+")  # what a Bulgarian word typed in Latin letters can hold
# Words that Bulgarians type and that are as common in English or Turkish ("da", "ne", "no",
# "ama", "super"), or English words that a listed word with an ending spells ("same" = съм +
# е, "men" = мен): they tell nothing either way, so they are not counted at all.
_EITHER = frozenset({
    "a", "i", "o", "u", "da", "ne", "no", "do", "to", "me", "mi", "go", "be", "te", "ama",
    "super", "park", "ok", "case", "chase", "cheat", "lose", "men", "same", "sum", "tame",
    "stole", "vase", "nay", "vie", "plaza", "parka", "sled", "slab", "nova",
})  # fmt: skip
_MAX_SPELLINGS = 2000  # per word: a long word with many ambiguous letters keeps its first ones
# Share of a text's words that must be Bulgarian, and how many at least.
MIN_SHARE = 0.5
MIN_WORDS = 2


def latin_words(text: str) -> list[str]:
    """The words of a text that tell, as Bulgarians type them ("o6te" -> "oshte")."""
    words = (word.translate(_HABITS) for word in _WORD.findall(text.lower()))
    return [word for word in words if any(c.isalpha() for c in word) and word not in _EITHER]


def is_bulgarian_word(word: str) -> bool:
    """Whether a typed word (see ``latin_words``) is a listed Bulgarian word, with an ending."""
    if len(word) == 1 or not _TYPED.fullmatch(word):
        return word in _LETTER_WORDS
    spellings = _spellings()
    if word in spellings:
        return True
    # Each way of cutting an ending off the word: a few set look-ups, whatever the endings.
    for cut in range(len(word) - 1, max(_MIN_STEM, len(word) - _LONGEST_ENDING) - 1, -1):
        if word[cut:] in _ENDINGS and word[:cut] in spellings:
            return True
    return False


def bulgarian_share(text: str) -> tuple[int, int]:
    """How many of a Latin text's words are Bulgarian words, and how many words it has."""
    words = latin_words(text)
    return sum(is_bulgarian_word(word) for word in words), len(words)


def is_mostly_bulgarian(found: int, total: int) -> bool:
    """Whether ``found`` Bulgarian words of a Latin text's ``total`` (``bulgarian_share``)
    make it Bulgarian: most of them, and at least two."""
    return found >= MIN_WORDS and found >= MIN_SHARE * total


@cache
def _spellings() -> frozenset[str]:
    """Every Latin spelling of every listed word (built once per process, in about 30 ms)."""
    listed = resources.files("civic_feedback.core") / "bulgarian_words.txt"
    words = [
        line.strip()
        for line in listed.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return frozenset(itertools.chain.from_iterable(_spell(word) for word in words))


def _spell(word: str) -> set[str]:
    forms = {word}
    if word.endswith("ия"):  # also typed "-ia" ("diskusia", "informacia")
        forms.add(word[:-1] + "а")
    spelled: set[str] = set()
    for form in forms:
        options = [_SPELLINGS.get(letter, (letter,)) for letter in form]
        for parts in itertools.islice(itertools.product(*options), _MAX_SPELLINGS):
            spelled.add("".join(parts))
    return spelled
