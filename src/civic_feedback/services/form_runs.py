"""A citizen answering a form: start or resume, answer, tick options.

Each step works on a connection in the caller's transaction (no ORM session: these are the
bot's busiest paths) and does no I/O besides the database; the caller commits (the bot's
unit of work), so the step and the update that asked for it are stored together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, insert, select, update

from civic_feedback.core.clock import Clock
from civic_feedback.core.form_windows import WindowState, as_utc
from civic_feedback.core.pseudonyms import anonymous_receipt_key
from civic_feedback.core.text_language import LanguageDetector
from civic_feedback.flows.engine import (
    AnswerValue,
    Done,
    Input,
    RefusalReason,
    Rejected,
    advance,
    next_question,
    toggle_choice,
)
from civic_feedback.flows.schema import Flow, Question, QuestionType
from civic_feedback.services.inbox import open_from_answers
from civic_feedback.storage.answer_rows import (
    ANSWER_COLUMNS,
    ANSWER_ORDER,
    collect_answers,
    insert_answer,
    join_answers,
    stored_answers,
)
from civic_feedback.storage.citizens import CitizenLike
from civic_feedback.storage.flow_versions import (
    FlowCatalog,
    latest_version_and_window,
    latest_version_id,
)
from civic_feedback.storage.models import ResponseState, utcnow
from civic_feedback.storage.rollup_forgetting import forget_start_day
from civic_feedback.storage.tables import (
    ANONYMOUS_RECEIPT_TABLE,
    CONVERSATION_TABLE,
    FORM_TABLE,
    RESPONSE_TABLE,
)

# For callers that do not pass LANGUAGES: the default deployment's. Loads nothing yet.
DEFAULT_DETECTOR = LanguageDetector(("bg", "en", "tr"))


@dataclass(frozen=True)
class Prompt:
    """What the citizen sees now: a question, or the end of the form when ``question`` is None."""

    response_id: int
    flow: Flow
    language: str
    question: Question | None
    draft: tuple[str, ...] = ()  # options ticked on a multi-choice question, not yet Done
    first: bool = False  # the form just started or resumed: show its title and intro

    @property
    def position(self) -> int:
        """The question's index in the flow, as carried by its buttons."""
        return -1 if self.question is None else self.flow.questions.index(self.question)


class Refusal(StrEnum):
    UNKNOWN_FORM = "unknown_form"
    ALREADY_COMPLETED = "already_completed"


@dataclass(frozen=True)
class NotOpen:
    """The form takes no answers now: it opens at ``at`` (NOT_YET_OPEN) or closed at ``at``
    (CLOSED). ``ended``: the citizen was in the middle of it; what they had answered is kept
    (the response is INCOMPLETE) and the step they took now was not stored."""

    state: WindowState
    at: datetime
    ended: bool = False


@dataclass(frozen=True)
class Expected:
    """The response and question a button was made for; anything else is a stale button."""

    response_id: int
    position: int


class FormRuns:
    """Walks citizens through forms, storing each answer the moment it is given."""

    def __init__(
        self,
        catalog: FlowCatalog,
        pseudonym_key: bytes,
        *,
        detector: LanguageDetector = DEFAULT_DETECTOR,
        clock: Clock = utcnow,
    ) -> None:
        self.catalog = catalog
        self._key = pseudonym_key
        self._detector = detector  # names the language of text answers as they are stored
        self._clock = clock  # when answers are given, and whether their form is still open

    def text_language(self, text: str) -> str | None:
        """The language of a free text, named as text answers are (und when unsure)."""
        return self._detector.detect(text)

    def start(
        self,
        db: Connection,
        citizen: CitizenLike,
        flow_id: str,
        *,
        language: str,
        event_id: int | None = None,
    ) -> Prompt | Refusal | NotOpen:
        """Start a form (about an event, when given), or resume it where the citizen left it;
        refused while the form is not open."""
        return self._begin(db, citizen, flow_id, language, event_id)

    def _begin(
        self,
        db: Connection,
        citizen: CitizenLike,
        flow_id: str,
        language: str,
        event_id: int | None,
    ) -> Prompt | Refusal | NotOpen:
        found_form = latest_version_and_window(db, flow_id)
        if found_form is None:
            return Refusal.UNKNOWN_FORM
        version_id, window = found_form
        now = self._clock()
        assert citizen.id is not None, "a citizen starting a form is written first"
        found = self._read_run(db, citizen.id)
        if found is not None and (found[0].flow_id, found[0].event_id) == (flow_id, event_id):
            closed_at = self._closed_at(found[0], now)
            if closed_at is not None:  # back through its link after the form closed
                self._end_closed(db, found[0])
                return NotOpen(WindowState.CLOSED, closed_at, ended=True)
            return self._prompt(db, *found, first=True)
        status = window.status(now)
        if status.state is not WindowState.OPEN:
            assert status.at is not None
            return NotOpen(status.state, status.at)
        flow = self.catalog.flow(db, version_id)
        if not flow.repeatable and self.has_answered(db, citizen, flow, event_id):
            return Refusal.ALREADY_COMPLETED
        same_form = {"citizen_id": citizen.id, "flow_id": flow_id, "event_id": event_id}
        unfinished = None if flow.anonymous else db.execute(_UNFINISHED, same_form).first()
        answers: dict[str, AnswerValue] = {}
        if unfinished is None:
            language = flow.pick_language(language)
            new = {
                **same_form,
                "citizen_id": None if flow.anonymous else citizen.id,
                "flow_version_id": version_id,
                "language": language,
                "state": ResponseState.IN_PROGRESS.value,
                "started_at": now,
            }
            inserted = db.execute(_NEW_RESPONSE, new).inserted_primary_key
            assert inserted is not None
            response_id = int(inserted[0])
        else:
            response_id, version_id, language = unfinished  # finishes on its own version
            answers = stored_answers(db, response_id)
        link = {"response_id": response_id, "draft": [], "updated_at": now}
        if found is None:
            db.execute(_NEW_CONVERSATION, {**link, "citizen_id": citizen.id})
        else:
            left = found[0]
            if self._closed_at(left, now) is not None:  # it could not be resumed any more
                db.execute(_END_INCOMPLETE, {"response": left.response_id})
            elif left.anonymous:  # an anonymous run cannot be found again: abandoned
                db.execute(_ABANDON, {"response": left.response_id})
            db.execute(_SWITCH_CONVERSATION, {**link, "citizen": citizen.id})
        run = _Run(
            citizen.id,
            response_id,
            (),
            version_id,
            language,
            event_id,
            flow_id,
            False,
            window.closes_at,
        )
        return self._prompt(db, run, answers, first=True)

    def latest_flow(self, db: Connection, flow_id: str) -> Flow | None:
        """The latest published version of a form, or None when there is no such form."""
        version_id = latest_version_id(db, flow_id)
        return None if version_id is None else self.catalog.flow(db, version_id)

    def current(self, db: Connection, citizen: CitizenLike) -> Prompt | None:
        """The question the citizen is on, or None when no form is open."""
        found = self._read_run(db, citizen.id) if citizen.id else None
        return None if found is None else self._prompt(db, *found)

    def pause(self, db: Connection, citizen: CitizenLike) -> None:
        """Leave the open form for now: the citizen turned to something that takes their next
        message (a proposal). A named response waits to be resumed where it was; an anonymous
        one cannot be found again and is abandoned."""
        found = self._read_run(db, citizen.id) if citizen.id else None
        if found is None:
            return
        run = found[0]
        if run.anonymous:
            db.execute(_ABANDON, {"response": run.response_id})
        db.execute(
            delete(CONVERSATION_TABLE).where(CONVERSATION_TABLE.c.citizen_id == run.citizen_id)
        )

    def answer(
        self, db: Connection, citizen: CitizenLike, given: Input, expected: Expected | None = None
    ) -> Prompt | Rejected | NotOpen:
        """Store an answer to the current question and move on; a bad input stores nothing.
        After the form closed, the run ends instead (NotOpen) and the answer is not stored."""
        return self._apply(db, citizen, expected, lambda _: given)

    def done(
        self, db: Connection, citizen: CitizenLike, expected: Expected
    ) -> Prompt | Rejected | NotOpen:
        """Done on a multi-choice question: the options ticked so far are the answer."""
        return self._apply(db, citizen, expected, lambda run: Done(run.draft))

    def _apply(
        self,
        db: Connection,
        citizen: CitizenLike,
        expected: Expected | None,
        make_input: Callable[[_Run], Input],
    ) -> Prompt | Rejected | NotOpen:
        found = self._open(db, citizen, expected)
        if isinstance(found, Rejected | NotOpen):
            return found
        run, flow, answers, question = found
        step = advance(flow, answers, question.id, make_input(run))
        if isinstance(step, Rejected):
            return step
        language = (
            self._detector.detect(step.value)
            if question.type is QuestionType.TEXT and isinstance(step.value, str)
            else None
        )
        insert_answer(db, run.response_id, question, step.value, text_language=language)
        if step.finished:
            now = self._clock()
            self._complete(db, citizen, run, flow, now)
            given = {**answers, question.id: step.value}
            open_from_answers(
                db,
                flow,
                given,
                response_id=run.response_id,
                citizen=None if flow.anonymous else citizen,
                language=run.language,
                now=now,
            )
        elif run.draft:  # the ticks became the answer; most answers have none to clear
            db.execute(_SET_DRAFT, {"citizen": run.citizen_id, "ticked": [], "now": self._clock()})
        return Prompt(run.response_id, flow, run.language, step.next)

    def toggle(
        self, db: Connection, citizen: CitizenLike, option_index: int, expected: Expected
    ) -> Prompt | Rejected | NotOpen:
        """Tick or untick an option of the current multi-choice question."""
        found = self._open(db, citizen, expected)
        if isinstance(found, Rejected | NotOpen):
            return found
        run, flow, _, question = found
        ticked = toggle_choice(question, run.draft, option_index)
        if isinstance(ticked, Rejected):
            return ticked
        db.execute(
            _SET_DRAFT, {"citizen": run.citizen_id, "ticked": list(ticked), "now": self._clock()}
        )
        return Prompt(run.response_id, flow, run.language, question, ticked)

    # --- internals -------------------------------------------------------------------

    def _open(
        self, db: Connection, citizen: CitizenLike, expected: Expected | None
    ) -> tuple[_Run, Flow, dict[str, AnswerValue], Question] | Rejected | NotOpen:
        found = self._read_run(db, citizen.id) if citizen.id else None
        if found is None:
            return Rejected(RefusalReason.STALE)
        run, answers = found
        if expected is not None and expected.response_id != run.response_id:
            return Rejected(RefusalReason.STALE)
        closed_at = self._closed_at(run, self._clock())
        if closed_at is not None:
            self._end_closed(db, run)
            return NotOpen(WindowState.CLOSED, closed_at, ended=True)
        flow = self.catalog.flow(db, run.flow_version_id)
        question = next_question(flow, answers)
        if question is None:
            return Rejected(RefusalReason.STALE)
        if expected is not None and flow.questions.index(question) != expected.position:
            return Rejected(RefusalReason.STALE)
        return run, flow, answers, question

    @staticmethod
    def _read_run(db: Connection, citizen_id: int) -> tuple[_Run, dict[str, AnswerValue]] | None:
        """The citizen's open form and its answers so far (one query), or None."""
        rows = db.execute(_RUN_QUERY, {"citizen_id": citizen_id}).all()
        if not rows:
            return None
        first = rows[0]
        run = _Run(
            citizen_id,
            first[0],
            tuple(first[1] or ()),
            first[2],
            first[3],
            first[4],
            first[5],
            first[6] is None,
            as_utc(first[7]),  # SQLite gives it back without a zone
        )
        return run, collect_answers(row[_RUN_COLUMNS:] for row in rows)

    def _prompt(
        self,
        db: Connection,
        run: _Run,
        answers: dict[str, AnswerValue],
        *,
        first: bool = False,
    ) -> Prompt:
        flow = self.catalog.flow(db, run.flow_version_id)
        question = next_question(flow, answers)
        return Prompt(run.response_id, flow, run.language, question, run.draft, first)

    def has_answered(
        self, db: Connection, citizen: CitizenLike, flow: Flow, event_id: int | None
    ) -> bool:
        """Whether the citizen completed this form (about this event) before."""
        if flow.anonymous:
            key = anonymous_receipt_key(self._key, citizen.telegram_id, flow.id, event_id)
            return db.execute(_RECEIPT_KEPT, {"key": key}).first() is not None
        same_form = {"citizen_id": citizen.id, "flow_id": flow.id, "event_id": event_id}
        return db.execute(_COMPLETED, same_form).first() is not None

    @staticmethod
    def _closed_at(run: _Run, now: datetime) -> datetime | None:
        """When the run's form closed, if it has by ``now``; None while it is still open."""
        return run.closes_at if run.closes_at is not None and now >= run.closes_at else None

    @staticmethod
    def _end_closed(db: Connection, run: _Run) -> None:
        """The form closed under the citizen: keep what they answered, marked incomplete."""
        db.execute(_END_INCOMPLETE, {"response": run.response_id})
        db.execute(
            delete(CONVERSATION_TABLE).where(CONVERSATION_TABLE.c.citizen_id == run.citizen_id)
        )

    def _complete(
        self, db: Connection, citizen: CitizenLike, run: _Run, flow: Flow, now: datetime
    ) -> None:
        db.execute(
            update(RESPONSE_TABLE)
            .where(RESPONSE_TABLE.c.id == run.response_id)
            .values(state=ResponseState.COMPLETED.value, completed_at=now)
        )
        forget_start_day(db, run.response_id)  # if it was rolled up, as not completed
        # For an anonymous form the conversation was the last link to the citizen.
        db.execute(
            delete(CONVERSATION_TABLE).where(CONVERSATION_TABLE.c.citizen_id == run.citizen_id)
        )
        if flow.anonymous and not flow.repeatable:
            key = anonymous_receipt_key(self._key, citizen.telegram_id, flow.id, run.event_id)
            db.execute(insert(ANONYMOUS_RECEIPT_TABLE).values(key=key, created_at=now))


@dataclass(frozen=True)
class _Run:
    """A citizen's open form, as the answer path reads it (columns, no ORM objects)."""

    citizen_id: int
    response_id: int
    draft: tuple[str, ...]
    flow_version_id: int
    language: str
    event_id: int | None
    flow_id: str
    anonymous: bool  # the response keeps no link to the citizen
    closes_at: datetime | None  # when the form closes (or closed); None: it never does


_SET_DRAFT = (
    update(CONVERSATION_TABLE)
    .where(CONVERSATION_TABLE.c.citizen_id == bindparam("citizen"))
    .values(draft=bindparam("ticked"), updated_at=bindparam("now"))
)
# The citizen's open form and its answers so far, in one round trip: each row carries the
# run's columns (with when its form closes), then one answer (and ticked option) as
# answer_rows reads them.
_RUN_COLUMNS = 8
_RUN_QUERY = (
    select(
        CONVERSATION_TABLE.c.response_id,
        CONVERSATION_TABLE.c.draft,
        RESPONSE_TABLE.c.flow_version_id,
        RESPONSE_TABLE.c.language,
        RESPONSE_TABLE.c.event_id,
        RESPONSE_TABLE.c.flow_id,
        RESPONSE_TABLE.c.citizen_id,
        FORM_TABLE.c.closes_at,
        *ANSWER_COLUMNS,
    )
    .select_from(
        join_answers(
            CONVERSATION_TABLE.join(
                RESPONSE_TABLE, RESPONSE_TABLE.c.id == CONVERSATION_TABLE.c.response_id
            ).join(FORM_TABLE, FORM_TABLE.c.flow_id == RESPONSE_TABLE.c.flow_id),
            RESPONSE_TABLE.c.id,
        )
    )
    .where(CONVERSATION_TABLE.c.citizen_id == bindparam("citizen_id"))
    .order_by(*ANSWER_ORDER)
)


# Starting a form. Statements built once, so executing them skips SQLAlchemy's cache-key
# work; plain inserts rather than ORM objects, whose constructors cost more than the writes.
def _same_form(state: ResponseState) -> Select[Any]:
    """Select the citizen's responses to a form (about an event, or none) in ``state``."""
    return (
        select(RESPONSE_TABLE.c.id, RESPONSE_TABLE.c.flow_version_id, RESPONSE_TABLE.c.language)
        .where(
            RESPONSE_TABLE.c.citizen_id == bindparam("citizen_id"),
            RESPONSE_TABLE.c.flow_id == bindparam("flow_id"),
            RESPONSE_TABLE.c.event_id.is_not_distinct_from(bindparam("event_id")),
            RESPONSE_TABLE.c.state == state.value,
        )
        .order_by(RESPONSE_TABLE.c.id.desc())
        .limit(1)
    )


_COMPLETED = _same_form(ResponseState.COMPLETED)
_UNFINISHED = _same_form(ResponseState.IN_PROGRESS)  # the newest, when there are several
_RECEIPT_KEPT = select(ANONYMOUS_RECEIPT_TABLE.c.key).where(
    ANONYMOUS_RECEIPT_TABLE.c.key == bindparam("key")
)
_NEW_RESPONSE = insert(RESPONSE_TABLE)
_NEW_CONVERSATION = insert(CONVERSATION_TABLE)
# Another form: the response, draft and time come as parameters.
_SWITCH_CONVERSATION = update(CONVERSATION_TABLE).where(
    CONVERSATION_TABLE.c.citizen_id == bindparam("citizen")
)
_ABANDON = (
    update(RESPONSE_TABLE)
    .where(RESPONSE_TABLE.c.id == bindparam("response"))
    .values(state=ResponseState.ABANDONED.value)
)
_END_INCOMPLETE = (
    update(RESPONSE_TABLE)
    .where(RESPONSE_TABLE.c.id == bindparam("response"))
    .values(state=ResponseState.INCOMPLETE.value)
)
