"""Word stems, so that the forms of one word count as one: "паркиране", "паркирането" and
"паркирам" all become "паркир"; "questions" and "question" become "question".

English and Turkish use the Snowball stemmers (the snowballstemmer package, pure Python).
Bulgarian has no Snowball stemmer: it gets a light suffix stripper in the manner of BulStem
(Nakov 2003), which removes the longest inflectional ending (articles, plurals, verb persons,
verbal nouns) and keeps a stem of at least three letters with a vowel in it. It is a
stemmer, not a lemmatiser: a fleeting vowel ("удобен" / "удобна") or a changed root
("място" / "места") still gives two stems.

A ``WordStemmer`` caches its answers and is meant for one analysis in one thread: Snowball's
stemmer objects keep state while they work.
"""

from __future__ import annotations

STEMMED_LANGUAGES = ("bg", "en", "tr")
_SNOWBALL_NAMES = {"en": "english", "tr": "turkish"}
_BULGARIAN_VOWELS = frozenset("аъоуеиюя")
# Inflectional endings, tried longest first. Left out on purpose, because they are also the
# end of common stems: "ат" (резултат), "ал"/"ала"/"али" (квартал, материали), "ем"
# (проблем), "им" (режим), "ен" (participles and adjectives alike), "ета" (анкета), "та"/"то"
# after a consonant (работа, място).
_ENDINGS = """
        а я о е и у ът ят ия ии ие
        ата ята ото ето ите ият ията иите ието
        ове овете еве евете ища ищата ище ището
        ост ости остта остите
        ане ането ания анията яне янето яния янията ене енето
        ам ям аш яш аме яме ате яте еш ете иш
        ах ях аха яха ахме яхме ахте яхте аше яше еше
        айте ейте ийте
        """
_BULGARIAN_ENDINGS = tuple(sorted(_ENDINGS.split(), key=len, reverse=True))
_BULGARIAN_MIN_STEM = 3


def lowercase(text: str, language: str) -> str:
    """Lower case as the language writes it: Turkish "I" is "ı" and "İ" is "i"."""
    if language == "tr":
        text = text.replace("I", "ı").replace("İ", "i")
    return text.lower()


def bulgarian_stem(word: str) -> str:
    """``word`` (lower case) without its longest inflectional ending."""
    for ending in _BULGARIAN_ENDINGS:
        if word.endswith(ending):
            stem = word[: -len(ending)]
            if len(stem) >= _BULGARIAN_MIN_STEM and not _BULGARIAN_VOWELS.isdisjoint(stem):
                return stem
    return word


class WordStemmer:
    """The stems of lower-case words in one of ``STEMMED_LANGUAGES``, each computed once."""

    def __init__(self, language: str) -> None:
        if language not in STEMMED_LANGUAGES:
            raise ValueError(f"no stemmer for {language!r}: choose one of {STEMMED_LANGUAGES}")
        self.language = language
        self._cache: dict[str, str] = {}
        self._snowball = None
        if language in _SNOWBALL_NAMES:
            # Imported here: the stemmers of every Snowball language are 3 MB, which a bot that
            # only starts (the weekly summary's themes are computed later) does not need.
            import snowballstemmer

            self._snowball = snowballstemmer.stemmer(_SNOWBALL_NAMES[language])

    def stem(self, word: str) -> str:
        """The stem of ``word``, which is already in lower case."""
        stem = self._cache.get(word)
        if stem is None:
            if self._snowball is None:
                stem = bulgarian_stem(word)
            else:
                stem = str(self._snowball.stemWord(word))
            self._cache[word] = stem
        return stem
