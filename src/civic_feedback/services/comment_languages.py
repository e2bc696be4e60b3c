"""Naming the language of stored comments again, after the detector has improved.

A comment's language is detected once, when it is stored; answers stored by an older
detector keep its mistakes (Russian without ы/э/ё called Bulgarian, Bulgarian typed in Latin
letters called English) until they are detected again. This goes through the text answers in
id order, a batch at a time: each batch is the caller's transaction, so a run can stop after
any batch and go on from the last id it reported; running it twice changes nothing the
second time (the detector always names a text the same way).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session

from civic_feedback.core.text_language import LanguageDetector
from civic_feedback.storage.comments import set_text_languages, text_answers_after

Change = tuple[str | None, str]  # (the language stored, the language detected now)


@dataclass
class Relabelling:
    """What a run did so far: answers checked, the last one's id, and the changes."""

    last_id: int = 0
    checked: int = 0
    changes: Counter[Change] = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return self.changes.total()

    def add(self, batch: Relabelling) -> None:
        """Count a batch in, once its transaction is committed."""
        self.last_id = max(self.last_id, batch.last_id)
        self.checked += batch.checked
        self.changes.update(batch.changes)


def relabel_batch(
    session: Session, detector: LanguageDetector, *, after_id: int, size: int, write: bool
) -> Relabelling:
    """Detect the next ``size`` text answers after ``after_id`` again and store the languages
    that differ (unless ``write`` is false). An empty result (``checked`` 0): none left."""
    batch = text_answers_after(session, after_id, size)
    done = Relabelling(last_id=batch[-1].answer_id if batch else after_id, checked=len(batch))
    changed: dict[int, str] = {}
    for answer in batch:
        language = detector.detect(answer.text)
        if language != answer.language:
            changed[answer.answer_id] = language
            done.changes[(answer.language, language)] += 1
    if write:
        set_text_languages(session, changed)
    return done
