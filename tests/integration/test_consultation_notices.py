"""After a consultation: decisions, publication, and the one notice each follower is owed.

The notice job runs as the leader runs it, against the fake Bot API on loopback. A notice is
claimed (``sending``) and committed before it goes to Telegram, so a process killed in
between never sends it twice; the end-to-end test kills the real bot for that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.bot.client.pacing import RateLimiter
from civic_feedback.bot.jobs.consultation_notices import ConsultationNotices
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.services.consultations import (
    DecisionError,
    PlannedDecision,
    begin_proposal,
    claim_notice,
    consultation_for,
    decide,
    decide_all,
    draft_of,
    follow,
    mark_published,
    submit,
)
from civic_feedback.services.erasure import erase_citizen
from civic_feedback.services.personal_data import personal_data
from civic_feedback.storage.consultations import add_consultation, proposals_of
from civic_feedback.storage.models import (
    Citizen,
    Consultation,
    ConsultationFollower,
    Decision,
    NoticeState,
    Proposal,
)
from tests.support.citizens import add_citizen
from tests.support.clock import FakeClock
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY
from tests.support.workers import BOT_TOKEN, worker_settings

OPENED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENED + timedelta(days=30)
AFTER = CLOSES + timedelta(days=3)


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.url))
    bot = Bot(BOT_TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    yield bot
    await bot.session.close()


def notices(bot: Bot, sessions: sessionmaker[Session]) -> ConsultationNotices:
    settings = worker_settings()
    return ConsultationNotices(
        bot=bot,
        sessions=sessions,
        settings=settings,
        i18n=create_i18n(settings.interface_language),
        clock=FakeClock(AFTER),
        limiter=RateLimiter(settings.broadcast_rate),
    )


def new_consultation(session: Session, municipality: str | None = None) -> Consultation:
    consultation = add_consultation(
        session,
        Consultation(
            code="",
            municipality=municipality,
            title={"bg": "Наредба за паркирането", "en": "Ordinance on parking"},
            opens_at=OPENED,
            closes_at=CLOSES,
        ),
    )
    session.commit()
    return consultation


def citizen(session: Session, telegram_id: int, language: str = "en") -> Citizen:
    found = add_citizen(session, telegram_id=telegram_id, language=language)
    session.commit()
    return found


def propose(session: Session, author: Citizen, consultation: Consultation, text: str) -> int:
    when = OPENED + timedelta(days=1)
    begin_proposal(session, author, consultation, when)
    draft = draft_of(session, author)
    assert draft is not None
    received = submit(session, author, draft, text, language="en", text_language="en", now=when)
    session.commit()
    number = getattr(received, "number", None)
    assert isinstance(number, int), received
    return number


def owed(session: Session, consultation: Consultation) -> dict[int, str | None]:
    session.expire_all()
    rows = session.exec(
        select(ConsultationFollower).where(ConsultationFollower.consultation_id == consultation.id)
    )
    return {row.citizen_id: row.notice_state for row in rows}


# --- decisions -------------------------------------------------------------------------------


def test_reasons_are_required_unless_the_proposal_is_accepted(session: Session) -> None:
    consultation = new_consultation(session)
    ana = citizen(session, 1001)
    number = propose(session, ana, consultation, "More trees.")

    with pytest.raises(DecisionError, match="needs its reasons"):
        decide(session, consultation, number, Decision.NOT_ACCEPTED, "  ", actor="t", now=AFTER)
    with pytest.raises(DecisionError, match=r"no proposal No\. 9"):
        decide(session, consultation, 9, Decision.ACCEPTED, None, actor="t", now=AFTER)
    decide(
        session, consultation, number, Decision.PARTLY, "Only on Main street.", actor="t", now=AFTER
    )

    (proposal,) = proposals_of(session, consultation.id or 0)
    assert (proposal.decision, proposal.reason, proposal.decided_by) == (
        Decision.PARTLY,
        "Only on Main street.",
        "t",
    )


def test_a_sheet_of_decisions_is_all_or_nothing(session: Session) -> None:
    consultation = new_consultation(session)
    ana = citizen(session, 1001)
    first = propose(session, ana, consultation, "More trees.")
    second = propose(session, ana, consultation, "Fewer cars.")
    planned = [
        PlannedDecision(2, first, Decision.ACCEPTED, None),
        PlannedDecision(3, second, Decision.NOT_ACCEPTED, None),  # no reasons
        PlannedDecision(4, 7, Decision.ACCEPTED, None),  # no such proposal
    ]

    with pytest.raises(DecisionError) as refused:
        decide_all(session, consultation, planned, actor="t", now=AFTER)

    assert str(refused.value).splitlines() == [
        "row 3: a proposal not (or only partly) accepted needs its reasons",
        f"row 4: consultation {consultation.code} has no proposal No. 7",
    ]
    session.rollback()
    assert [p.decision for p in proposals_of(session, consultation.id or 0)] == [None, None]


def test_staff_of_a_municipality_see_only_its_consultations(session: Session) -> None:
    sliven = new_consultation(session, "Sliven")
    anywhere = new_consultation(session)

    def seen(code: str, municipality: str | None) -> bool:
        return consultation_for(session, code, municipality) is not None

    assert seen(sliven.code, "Sliven")
    assert seen(sliven.code.upper(), None)  # administrators; codes read as typed
    assert not seen(sliven.code, "Haskovo")
    assert not seen(anywhere.code, "Haskovo")
    assert seen(anywhere.code, None)
    assert not seen("nosuchco", None)


# --- publication ---------------------------------------------------------------------------


def test_publishing_is_refused_while_open_or_undecided_and_happens_once(
    session: Session,
) -> None:
    consultation = new_consultation(session)
    ana, boris = citizen(session, 1001), citizen(session, 1002)
    number = propose(session, ana, consultation, "More trees.")
    follow(session, boris, consultation, OPENED + timedelta(days=2))
    session.commit()

    with pytest.raises(DecisionError, match="still open"):
        mark_published(session, consultation, CLOSES - timedelta(seconds=1), chat=None, url=None)
    with pytest.raises(DecisionError, match="1 proposals have no decision"):
        mark_published(session, consultation, AFTER, chat=None, url=None)
    decide(session, consultation, number, Decision.ACCEPTED, None, actor="t", now=AFTER)
    told = mark_published(session, consultation, AFTER, chat="@sliven", url="https://t.me/sliven/5")
    session.commit()
    with pytest.raises(DecisionError, match="already published"):
        mark_published(session, consultation, AFTER, chat=None, url=None)

    assert told == 2
    assert owed(session, consultation) == {ana.id: "pending", boris.id: "pending"}
    with pytest.raises(DecisionError, match="already published"):
        decide(session, consultation, number, Decision.PARTLY, "x", actor="t", now=AFTER)


def test_who_follows_after_publication_is_owed_the_notice_at_once(session: Session) -> None:
    consultation = new_consultation(session)
    mark_published(session, consultation, AFTER, chat=None, url=None)
    session.commit()
    late = citizen(session, 1003)

    follow(session, late, consultation, AFTER + timedelta(hours=1))
    session.commit()

    assert owed(session, consultation) == {late.id: "pending"}


async def test_each_follower_is_told_once_with_the_decisions_on_their_own_proposals(
    sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    with sessions() as session:
        consultation = new_consultation(session)
        ana, boris, vera = (citizen(session, i) for i in (1001, 1002, 1003))
        first = propose(session, ana, consultation, "More trees.")
        second = propose(session, ana, consultation, "Benches <b>now</b>.")
        third = propose(session, boris, consultation, "Fewer cars.")
        follow(session, vera, consultation, OPENED)
        decide(session, consultation, first, Decision.ACCEPTED, None, actor="t", now=AFTER)
        decide(
            session,
            consultation,
            second,
            Decision.NOT_ACCEPTED,
            "Budget <2027>",
            actor="t",
            now=AFTER,
        )
        decide(
            session, consultation, third, Decision.PARTLY, "Only at weekends.", actor="t", now=AFTER
        )
        mark_published(session, consultation, AFTER, chat="@sliven", url="https://t.me/sliven/5")
        session.commit()
    job = notices(bot, sessions)

    assert await job.send_due() == 3
    assert await job.send_due() == 0  # nothing twice

    (to_ana,) = [m.content for m in telegram.messages(1001)]
    assert "Ordinance on parking" in to_ana
    assert "Proposal No. 1: accepted" in to_ana
    assert "Proposal No. 2: not accepted\n  Budget <2027>" in to_ana  # escaped, so shown
    assert "No. 3" not in to_ana  # only their own
    (to_boris,) = [m.content for m in telegram.messages(1002)]
    assert "Proposal No. 3: partly accepted\n  Only at weekends." in to_boris
    (to_vera,) = [m.content for m in telegram.messages(1003)]
    assert "Your proposals" not in to_vera
    with sessions() as session:
        assert set(owed(session, consultation).values()) == {"sent"}


async def test_a_notice_claimed_by_a_process_that_died_is_never_sent_again(
    sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    with sessions() as session:
        consultation = new_consultation(session)
        ana, boris = citizen(session, 1001), citizen(session, 1002)
        for person in (ana, boris):
            follow(session, person, consultation, OPENED)
        mark_published(session, consultation, AFTER, chat=None, url=None)
        session.commit()
        claimed = claim_notice(session)  # then the process is killed before sending
        session.commit()
    assert claimed is not None

    assert await notices(bot, sessions).send_due() == 1

    assert len(telegram.messages(claimed.chat_id)) == 0
    with sessions() as session:
        assert sorted(owed(session, consultation).values(), key=str) == ["sending", "sent"]


async def test_a_citizen_who_blocked_the_bot_is_marked_unreachable(
    sessions: sessionmaker[Session], telegram: FakeTelegram, bot: Bot
) -> None:
    with sessions() as session:
        consultation = new_consultation(session)
        ana = citizen(session, 1001)
        follow(session, ana, consultation, OPENED)
        mark_published(session, consultation, AFTER, chat=None, url=None)
        session.commit()
    telegram.blocked.add(1001)

    assert await notices(bot, sessions).send_due() == 0

    with sessions() as session:
        assert owed(session, consultation) == {ana.id: NoticeState.UNREACHABLE}
        reloaded = session.get(Citizen, ana.id)
        assert reloaded is not None
        assert reloaded.unreachable


# --- privacy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", list(AnswersOnErasure))
def test_erasure_takes_the_name_and_the_link_or_the_proposals(
    session: Session, policy: AnswersOnErasure
) -> None:
    consultation = new_consultation(session)
    ana, boris = citizen(session, 1001), citizen(session, 1002)
    propose(session, ana, consultation, "More trees.")
    propose(session, boris, consultation, "Fewer cars.")
    session.exec(select(Proposal)).first()
    for proposal in proposals_of(session, consultation.id or 0):
        proposal.author_name = "Ana Petrova" if proposal.citizen_id == ana.id else "Boris"
        session.add(proposal)
    session.commit()

    erase_citizen(session, ana, PSEUDONYM_KEY.encode(), policy)
    session.commit()

    kept = {
        p.text: (p.citizen_id, p.author_name) for p in proposals_of(session, consultation.id or 0)
    }
    if policy is AnswersOnErasure.DELETE:
        assert kept == {"Fewer cars.": (boris.id, "Boris")}
    else:
        assert kept == {"More trees.": (None, None), "Fewer cars.": (boris.id, "Boris")}
    assert list(owed(session, consultation)) == [boris.id]


def test_mydata_lists_the_consultations_and_proposals(session: Session) -> None:
    consultation = new_consultation(session)
    ana = citizen(session, 1001)
    propose(session, ana, consultation, "More trees.")

    (entry,) = personal_data(session, ana)["consultations"]

    assert entry["consultation"] == consultation.code
    assert [p["text"] for p in entry["proposals"]] == ["More trees."]
    assert entry["proposals"][0]["decision"] is None
