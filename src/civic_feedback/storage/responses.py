"""A citizen answering a form: start or resume, answer, tick options. Each step commits.

Every public method that changes something ends with one commit and does no I/O besides
the database, so a write transaction is never held while the bot waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, Table, bindparam, delete, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from civic_feedback.flows.engine import (
    AnswerValue,
    Done,
    Input,
    Problem,
    Rejected,
    advance,
    next_question,
    toggle_choice,
)
from civic_feedback.flows.schema import Flow, Question, QuestionType
from civic_feedback.storage.answer_rows import (
    ANSWER_COLUMNS,
    ANSWER_ORDER,
    collect_answers,
    insert_answer,
    join_answers,
    stored_answers,
)
from civic_feedback.storage.flow_versions import FlowCatalog, latest_version_id
from civic_feedback.storage.models import (
    AnonymousReceipt,
    Citizen,
    Conversation,
    Response,
    ResponseState,
    utcnow,
)
from civic_feedback.storage.pseudonyms import anonymous_receipt_key
from civic_feedback.storage.text_language import LanguageDetector

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
    ) -> None:
        self.catalog = catalog
        self._key = pseudonym_key
        self._detector = detector  # names the language of text answers as they are stored

    def start(
        self,
        session: Session,
        citizen: Citizen,
        flow_id: str,
        *,
        language: str,
        event_id: int | None = None,
    ) -> Prompt | Refusal:
        """Start a form (about an event, when given), or resume it where the citizen left it."""
        outcome = self._begin(session, citizen, flow_id, language, event_id)
        session.commit()  # also when refused: a new citizen was flushed to get an id
        return outcome

    def _begin(
        self, session: Session, citizen: Citizen, flow_id: str, language: str, event_id: int | None
    ) -> Prompt | Refusal:
        version_id = latest_version_id(session, flow_id)
        if version_id is None:
            return Refusal.UNKNOWN_FORM
        if citizen.id is None:
            session.flush()  # a citizen met in this very update needs its id now
        assert citizen.id is not None
        conversation = session.get(Conversation, citizen.id)
        if conversation is not None:
            active = session.get(Response, conversation.response_id)
            if active is not None and (active.flow_id, active.event_id) == (flow_id, event_id):
                return self._prompt(session, active, conversation, first=True)
        flow = self.catalog.flow(session, version_id)
        if not flow.repeatable and self.has_answered(session, citizen, flow, event_id):
            return Refusal.ALREADY_COMPLETED
        response = None if flow.anonymous else self._unfinished(session, citizen, flow_id, event_id)
        if response is None:
            response = Response(
                flow_version_id=version_id,
                flow_id=flow_id,
                event_id=event_id,
                citizen_id=None if flow.anonymous else citizen.id,
                language=flow.pick_language(language),
            )
            session.add(response)
            session.flush()
        assert response.id is not None
        if conversation is None:
            conversation = Conversation(citizen_id=citizen.id, response_id=response.id)
            session.add(conversation)
        else:
            self._leave(session, conversation)
            conversation.response_id = response.id
            conversation.draft = []
            conversation.updated_at = utcnow()
        session.flush()
        return self._prompt(session, response, conversation, first=True)

    def latest_flow(self, session: Session, flow_id: str) -> Flow | None:
        """The latest published version of a form, or None when there is no such form."""
        version_id = latest_version_id(session, flow_id)
        return None if version_id is None else self.catalog.flow(session, version_id)

    def current(self, session: Session, citizen: Citizen) -> Prompt | None:
        """The question the citizen is on, or None when no form is open."""
        conversation = session.get(Conversation, citizen.id) if citizen.id else None
        if conversation is None:
            return None
        response = session.get(Response, conversation.response_id)
        return None if response is None else self._prompt(session, response, conversation)

    def answer(
        self, session: Session, citizen: Citizen, given: Input, expected: Expected | None = None
    ) -> Prompt | Rejected:
        """Store an answer to the current question and move on; a bad input stores nothing."""
        return self._apply(session, citizen, expected, lambda _: given)

    def done(self, session: Session, citizen: Citizen, expected: Expected) -> Prompt | Rejected:
        """Done on a multi-choice question: the options ticked so far are the answer."""
        return self._apply(session, citizen, expected, lambda run: Done(run.draft))

    def _apply(
        self,
        session: Session,
        citizen: Citizen,
        expected: Expected | None,
        make_input: Callable[[_Run], Input],
    ) -> Prompt | Rejected:
        found = self._open(session, citizen, expected)
        if isinstance(found, Rejected):
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
        db = session.connection()
        insert_answer(db, run.response_id, question, step.value, text_language=language)
        if step.finished:
            self._complete(db, citizen, run, flow, utcnow())
        elif run.draft:  # the ticks became the answer; most answers have none to clear
            db.execute(_SET_DRAFT, {"citizen": run.citizen_id, "ticked": [], "now": utcnow()})
        session.commit()
        return Prompt(run.response_id, flow, run.language, step.next)

    def toggle(
        self, session: Session, citizen: Citizen, option_index: int, expected: Expected
    ) -> Prompt | Rejected:
        """Tick or untick an option of the current multi-choice question."""
        found = self._open(session, citizen, expected)
        if isinstance(found, Rejected):
            return found
        run, flow, _, question = found
        ticked = toggle_choice(question, run.draft, option_index)
        if isinstance(ticked, Rejected):
            return ticked
        session.connection().execute(
            _SET_DRAFT, {"citizen": run.citizen_id, "ticked": list(ticked), "now": utcnow()}
        )
        session.commit()
        return Prompt(run.response_id, flow, run.language, question, ticked)

    # --- internals -------------------------------------------------------------------

    def _open(
        self, session: Session, citizen: Citizen, expected: Expected | None
    ) -> tuple[_Run, Flow, dict[str, AnswerValue], Question] | Rejected:
        if citizen.id is None:
            return Rejected(Problem.STALE)
        rows = session.connection().execute(_RUN_QUERY, {"citizen_id": citizen.id}).all()
        if not rows:
            return Rejected(Problem.STALE)
        row = rows[0]
        run = _Run(citizen.id, row[0], tuple(row[1] or ()), row[2], row[3], row[4])
        if expected is not None and expected.response_id != run.response_id:
            return Rejected(Problem.STALE)
        flow = self.catalog.flow(session, run.flow_version_id)
        answers = collect_answers(row[_RUN_COLUMNS:] for row in rows)
        question = next_question(flow, answers)
        if question is None:
            return Rejected(Problem.STALE)
        if expected is not None and flow.questions.index(question) != expected.position:
            return Rejected(Problem.STALE)
        return run, flow, answers, question

    def _prompt(
        self,
        session: Session,
        response: Response,
        conversation: Conversation,
        *,
        first: bool = False,
    ) -> Prompt:
        assert response.id is not None
        flow = self.catalog.flow(session, response.flow_version_id)
        question = next_question(flow, stored_answers(session, response.id))
        return Prompt(
            response.id, flow, response.language, question, tuple(conversation.draft), first
        )

    def has_answered(
        self, session: Session, citizen: Citizen, flow: Flow, event_id: int | None
    ) -> bool:
        """Whether the citizen completed this form (about this event) before."""
        if flow.anonymous:
            key = anonymous_receipt_key(self._key, citizen.telegram_id, flow.id, event_id)
            return session.get(AnonymousReceipt, key) is not None
        statement = select(Response.id).where(
            Response.citizen_id == citizen.id,
            Response.flow_id == flow.id,
            col(Response.event_id).is_(None) if event_id is None else Response.event_id == event_id,
            Response.state == ResponseState.COMPLETED,
        )
        return session.exec(statement.limit(1)).first() is not None

    def _unfinished(
        self, session: Session, citizen: Citizen, flow_id: str, event_id: int | None
    ) -> Response | None:
        statement = (
            select(Response)
            .where(
                Response.citizen_id == citizen.id,
                Response.flow_id == flow_id,
                col(Response.event_id).is_(None)
                if event_id is None
                else Response.event_id == event_id,
                Response.state == ResponseState.IN_PROGRESS,
            )
            .order_by(col(Response.id).desc())
        )
        return session.exec(statement.limit(1)).first()

    def _leave(self, session: Session, conversation: Conversation) -> None:
        """Switching forms: an anonymous run cannot be found again, so it is abandoned."""
        previous = session.get(Response, conversation.response_id)
        if previous is not None and previous.citizen_id is None:
            previous.state = ResponseState.ABANDONED

    def _complete(
        self, db: Connection, citizen: Citizen, run: _Run, flow: Flow, now: datetime
    ) -> None:
        db.execute(
            update(_RESPONSE)
            .where(_RESPONSE.c.id == run.response_id)
            .values(state=ResponseState.COMPLETED.value, completed_at=now)
        )
        # For an anonymous form the conversation was the last link to the citizen.
        db.execute(delete(_CONVERSATION).where(_CONVERSATION.c.citizen_id == run.citizen_id))
        if flow.anonymous and not flow.repeatable:
            key = anonymous_receipt_key(self._key, citizen.telegram_id, flow.id, run.event_id)
            db.execute(insert(_RECEIPT).values(key=key, created_at=now))


@dataclass(frozen=True)
class _Run:
    """A citizen's open form, as the answer path reads it (columns, no ORM objects)."""

    citizen_id: int
    response_id: int
    draft: tuple[str, ...]
    flow_version_id: int
    language: str
    event_id: int | None


_CONVERSATION: Table = Conversation.__table__  # type: ignore[attr-defined]
_RESPONSE: Table = Response.__table__  # type: ignore[attr-defined]
_RECEIPT: Table = AnonymousReceipt.__table__  # type: ignore[attr-defined]
_SET_DRAFT = (
    update(_CONVERSATION)
    .where(_CONVERSATION.c.citizen_id == bindparam("citizen"))
    .values(draft=bindparam("ticked"), updated_at=bindparam("now"))
)
# The citizen's open form and its answers so far, in one round trip: each row carries the
# run's columns, then one answer (and ticked option) as answer_rows reads them.
_RUN_COLUMNS = 5
_RUN_QUERY = (
    sa_select(
        _CONVERSATION.c.response_id,
        _CONVERSATION.c.draft,
        _RESPONSE.c.flow_version_id,
        _RESPONSE.c.language,
        _RESPONSE.c.event_id,
        *ANSWER_COLUMNS,
    )
    .select_from(
        join_answers(
            _CONVERSATION.join(_RESPONSE, _RESPONSE.c.id == _CONVERSATION.c.response_id),
            _RESPONSE.c.id,
        )
    )
    .where(_CONVERSATION.c.citizen_id == bindparam("citizen_id"))
    .order_by(*ANSWER_ORDER)
)
