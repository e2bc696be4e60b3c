"""The inbox in storage: items from forms and from typed messages, threads, delivery, erasure."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.core.weeks import iso_week_bounds
from civic_feedback.flows.engine import Button, Pick, Text
from civic_feedback.flows.loader import FlowFileError, load_flow_text
from civic_feedback.reports.inbox_summary import inbox_summary
from civic_feedback.services.erasure import erase_citizen
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.inbox import (
    DRAFT_COLLECTS,
    Author,
    add_answer,
    add_followup,
    close_item,
    drop_draft,
    find_items,
    forward_item,
    inbox_topics,
    item_at,
    items_of,
    mark_delivered,
    pending_deliveries,
    save_draft,
    send_draft,
    thread,
    topic_text,
)
from civic_feedback.services.retention import purge
from civic_feedback.storage.flow_versions import FlowCatalog, install_library, publish_flow
from civic_feedback.storage.models import (
    Citizen,
    DeliveryState,
    InboxAuthor,
    InboxItem,
    InboxMessage,
    InboxStatus,
    InboxSupporter,
    utcnow,
)
from tests.support.citizens import add_citizen
from tests.support.form_steps import Step, walk_form
from tests.support.keys import PSEUDONYM_KEY

KEY = PSEUDONYM_KEY.encode()


@pytest.fixture
def citizen(session: Session) -> Citizen:
    install_library(session)
    session.commit()
    citizen = add_citizen(session, telegram_id=5001, language="bg")
    session.commit()
    citizen.municipality = "Сливен"
    session.commit()
    return citizen


def send_report(session: Session, citizen: Citizen, text: str, *, consent: bool = True) -> None:
    runs = FormRuns(FlowCatalog(), KEY)
    steps: list[Step] = [Pick(0), Text(text), Button("yes" if consent else "no")]
    walk_form(session, runs, citizen, "general-feedback", steps, language="bg")


def items(sessions: sessionmaker[Session]) -> list[InboxItem]:
    with sessions() as session:
        return list(session.exec(select(InboxItem).order_by(InboxItem.id)))  # type: ignore[arg-type]


def test_a_general_feedback_submission_becomes_a_new_item_of_the_citizens_municipality(
    session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    send_report(session, citizen, "Дупка на ул. Раковски 12, пред училището")

    (item,) = items(sessions)
    assert (item.municipality, item.topic, item.status) == ("Сливен", "roads_transport", "new")
    assert item.citizen_id == citizen.id
    assert item.contact_allowed is True
    assert item.language == "bg"
    assert item.text_language == "bg"
    with sessions() as other:
        (message,) = thread(other, item.id or 0)
    assert message.author == InboxAuthor.CITIZEN
    assert message.state == DeliveryState.PENDING
    assert message.text == "Дупка на ул. Раковски 12, пред училището"


def test_a_form_without_inbox_makes_no_item(
    session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    flow = "id: note\ntitle: {en: Note}\nlanguages: [en]\nquestions:\n"
    flow += '  - {id: text, type: text, text: {en: "Anything?"}}\n'
    publish_flow(session, load_flow_text(flow))
    session.commit()
    walk_form(session, FormRuns(FlowCatalog(), KEY), citizen, "note", [Text("Hi")], language="en")
    assert items(sessions) == []


def test_no_consent_means_staff_may_not_see_who_wrote(
    session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    send_report(session, citizen, "Тъмно е в парка вечер", consent=False)
    assert items(sessions)[0].contact_allowed is False


def test_a_typed_message_is_a_draft_until_sent_with_a_topic_and_is_never_delivered_before(
    session: Session, citizen: Citizen
) -> None:
    draft = save_draft(session, citizen, "Кога ще има ток?", language="bg", text_language="bg")
    session.commit()
    assert draft.status == InboxStatus.DRAFT
    assert pending_deliveries(session) == []
    assert items_of(session, citizen) == []

    sent = send_draft(session, citizen, draft.id or 0, "administration")
    session.commit()
    assert sent is not None
    assert (sent.status, sent.topic) == ("new", "administration")
    (delivery,) = pending_deliveries(session)
    assert delivery.first
    assert delivery.post is None
    assert delivery.citizen_telegram_id == 5001
    assert send_draft(session, citizen, draft.id or 0, "other") is None  # the button again
    session.commit()


def test_what_follows_a_draft_soon_joins_it_a_later_one_replaces_it_and_dropping_removes_it(
    session: Session, citizen: Citizen
) -> None:
    first = save_draft(session, citizen, "", language="bg", text_language=None)  # a pin, say
    session.commit()
    joined = save_draft(session, citizen, "The light is out.", language="bg", text_language="en")
    session.commit()
    assert joined.id == first.id
    assert [m.text for m in session.exec(select(InboxMessage))] == ["The light is out."]
    joined.updated_at -= DRAFT_COLLECTS + timedelta(seconds=1)  # left for a while
    session.add(joined)
    session.commit()
    second = save_draft(session, citizen, "two", language="bg", text_language=None)
    session.commit()
    assert [m.text for m in session.exec(select(InboxMessage))] == ["two"]
    other = add_citizen(session, telegram_id=5002, language="en")
    session.commit()
    assert not drop_draft(session, other, second.id or 0)  # only its author drops it
    session.commit()
    assert drop_draft(session, citizen, second.id or 0)
    session.commit()
    assert session.exec(select(InboxMessage)).all() == []


def test_answers_and_follow_ups_move_the_status_and_keep_one_thread(
    session: Session, citizen: Citizen
) -> None:
    send_report(session, citizen, "Счупена пейка")
    (item,) = find_items(session)
    mark_delivered(session, thread(session, item.id or 0)[0].id or 0, -100123, 77)
    session.commit()
    assert item_at(session, -100123, 77) == item

    add_answer(session, item, "Ще я поправим до петък.", Author("Иван", 9001, -100123, 78))
    session.commit()
    assert item.status == InboxStatus.ANSWERED
    assert item.first_answered_at is not None
    answered = item.first_answered_at
    add_followup(session, item, "Благодаря!")
    session.commit()
    assert item.status == InboxStatus.NEW
    assert item.first_answered_at == answered
    close_item(session, item)
    session.commit()
    assert find_items(session, status=InboxStatus.CLOSED) == [item]
    add_followup(session, item, "Пак е счупена.")
    session.commit()
    assert item.status == InboxStatus.NEW
    assert item.closed_at is None
    authors = [m.author for m in thread(session, item.id or 0)]
    assert authors == ["citizen", "staff", "citizen", "citizen"]


def test_forwarding_posts_the_first_message_again_in_the_other_municipality(
    session: Session, citizen: Citizen
) -> None:
    send_report(session, citizen, "Това е за Хасково")
    (item,) = find_items(session)
    mark_delivered(session, thread(session, item.id or 0)[0].id or 0, -100123, 77)
    session.commit()
    assert pending_deliveries(session) == []

    forward_item(session, item, "Хасково")
    session.commit()
    (delivery,) = pending_deliveries(session)
    assert delivery.first
    assert delivery.item.municipality == "Хасково"
    assert item_at(session, -100123, 77) is None
    assert find_items(session, municipality="Хасково") == [item]


def test_topics_come_from_the_general_feedback_form_in_every_language(
    session: Session, citizen: Citizen
) -> None:
    topics = inbox_topics(session, FlowCatalog())
    assert [t.id for t in topics][:2] == ["roads_transport", "cleanliness_environment"]
    assert topic_text(topics, "roads_transport", "tr") == "Yollar ve ulaşım"
    assert topic_text(topics, "gone", "bg") == "gone"


@pytest.mark.parametrize("answers", list(AnswersOnErasure))
def test_erasure_unlinks_or_deletes_the_items_and_always_drops_the_name(
    session: Session,
    sessions: sessionmaker[Session],
    citizen: Citizen,
    answers: AnswersOnErasure,
) -> None:
    send_report(session, citizen, "Сигнал")
    (item,) = find_items(session)
    item.contact_name = "Мария Петрова"
    session.add(item)
    session.commit()
    save_draft(session, citizen, "чернова", language="bg", text_language=None)
    session.commit()

    erase_citizen(session, citizen, KEY, answers)
    session.commit()

    left = items(sessions)
    if answers is AnswersOnErasure.DELETE:
        assert left == []
    else:
        (kept,) = left
        assert kept.citizen_id is None
        assert kept.contact_name is None
        assert kept.contact_allowed is False
        assert kept.status == "new"


def test_the_purge_drops_drafts_left_for_a_day_and_keeps_sent_items(
    session: Session, sessions: sessionmaker[Session], citizen: Citizen
) -> None:
    send_report(session, citizen, "Изпратено")
    save_draft(session, citizen, "Неизпратено", language="bg", text_language=None)
    session.commit()
    later = utcnow() + timedelta(days=1, minutes=1)

    purged = purge(session, later, key=KEY, retention_days=None, answers=AnswersOnErasure.DETACH)

    assert purged.drafts == 1
    assert [i.status for i in items(sessions)] == ["new"]


def test_inbox_must_name_questions_of_the_right_types() -> None:
    text = """\
id: tips
title: {en: Tips}
languages: [en]
repeatable: true
inbox: {message: where, topic: note, contact: ok}
questions:
  - {id: where, type: single_choice, text: {en: Where}, options: [{id: a, text: {en: A}},
                                                             {id: b, text: {en: B}}]}
  - {id: note, type: text, text: {en: Note}}
"""
    with pytest.raises(FlowFileError) as refused:
        load_flow_text(text, "tips.yaml")
    assert [str(p) for p in refused.value.problems] == [
        "tips.yaml:5: inbox.contact: 'ok' is not a question of this form",
        "tips.yaml:5: inbox.message: 'where' must be a text question",
        "tips.yaml:5: inbox.topic: 'note' must be a single_choice question",
    ]


def put_item(
    session: Session,
    municipality: str | None,
    sent: datetime,
    answered: datetime | None = None,
    closed: datetime | None = None,
    status: InboxStatus = InboxStatus.NEW,
) -> int:
    item = InboxItem(
        municipality=municipality,
        topic="other",
        language="bg",
        status=status,
        created_at=sent,
        updated_at=sent,
        first_answered_at=answered,
        closed_at=closed,
    )
    session.add(item)
    session.commit()
    assert item.id is not None
    return item.id


def test_the_weekly_summary_counts_received_answered_median_and_oldest_waiting(
    session: Session,
) -> None:
    zone = ZoneInfo("Europe/Sofia")
    start, end = iso_week_bounds("2026-W47", zone)  # Mon 16 Nov 00:00 to Mon 23 Nov, Sofia
    hour = timedelta(hours=1)
    put_item(session, "Сливен", start - 2 * hour)  # last week, never answered: oldest
    put_item(session, "Сливен", start + hour, answered=start + 3 * hour)  # 2 h
    put_item(session, "Сливен", start + hour, answered=start + 7 * hour)  # 6 h
    put_item(session, "Сливен", start + 2 * hour, answered=end + hour)  # answered next week
    put_item(session, "Хасково", start - 50 * hour, answered=start + 10 * hour)  # 60 h
    put_item(session, "Хасково", start + 5 * hour, closed=start + 6 * hour)  # closed: not waiting
    put_item(session, None, end - hour)
    put_item(session, "Сливен", start + hour, status=InboxStatus.DRAFT)  # never sent
    put_item(session, "Сливен", end + hour)  # next week

    summary = inbox_summary(session, start, end)

    sliven, haskovo, unknown = (
        summary.municipalities[name] for name in ("Сливен", "Хасково", "unknown")
    )
    assert (sliven.received, sliven.answered, sliven.median_hours_to_answer) == (3, 2, 4.0)
    assert (sliven.oldest_unanswered, sliven.oldest_waiting_hours) == (1, 170.0)
    assert (haskovo.received, haskovo.answered, haskovo.median_hours_to_answer) == (1, 1, 60.0)
    assert haskovo.oldest_unanswered is None
    assert (unknown.received, unknown.oldest_unanswered, unknown.oldest_waiting_hours) == (
        1,
        7,
        1.0,
    )
    overall = summary.overall
    assert (overall.received, overall.answered, overall.median_hours_to_answer) == (5, 3, 6.0)
    assert overall.oldest_unanswered == 1
    only = inbox_summary(session, start, end, "Хасково")
    assert list(only.municipalities) == ["Хасково"]
    assert only.overall.received == 1


def test_a_week_without_messages_has_zeros_and_no_median(session: Session) -> None:
    start, end = iso_week_bounds("2026-W47", ZoneInfo("Europe/Sofia"))
    summary = inbox_summary(session, start, end)
    assert summary.municipalities == {}
    empty = summary.overall
    assert (empty.received, empty.answered) == (0, 0)
    assert empty.median_hours_to_answer is None
    assert empty.oldest_unanswered is None


def test_the_weekly_summary_counts_resolutions_their_days_confirmations_and_ratings(
    session: Session,
) -> None:
    zone = ZoneInfo("Europe/Sofia")
    start, end = iso_week_bounds("2026-W47", zone)
    day = timedelta(days=1)
    outcomes = [  # sent, resolved, the citizen's confirmation and rating
        (start - 2 * day, start + day, True, 5),  # 3 days
        (start, start + 5 * day, True, 3),  # 5 days
        (start, start + 2 * day, False, None),  # 2 days, "not resolved" (re-opened later)
        (start, start + day, None, None),  # 1 day, never answered the question
        (start, end + day, None, None),  # resolved next week: not counted
    ]
    for sent, resolved, confirmed, rating in outcomes:
        number = put_item(session, "Сливен", sent)
        item = session.get(InboxItem, number)
        assert item is not None
        item.resolved_at, item.confirmed, item.resolution_rating = resolved, confirmed, rating
        session.add(item)
    session.commit()

    figures = inbox_summary(session, start, end).overall

    assert figures.resolved == 4
    assert figures.median_days_to_resolve == 2.5  # of 1, 2, 3 and 5 days
    assert figures.confirmed_share == round(2 / 3, 3)  # of the three who answered
    assert figures.resolution_satisfaction == 0.5  # one 5 of the ratings 5 and 3


def test_a_citizen_who_joins_an_earlier_report_adds_a_person_not_a_problem(
    session: Session,
) -> None:
    start, end = iso_week_bounds("2026-W47", ZoneInfo("Europe/Sofia"))
    day = timedelta(days=1)
    people = [add_citizen(session, telegram_id=7100 + n, language="bg") for n in range(5)]
    session.commit()
    pothole = put_item(session, "Сливен", start + day)
    lamp = put_item(session, "Сливен", start + day)
    earlier = put_item(session, "Хасково", start - 3 * day)  # sent last week
    for number, author in ((pothole, people[0]), (lamp, people[0]), (earlier, people[4])):
        item = session.get(InboxItem, number)
        assert item is not None
        item.citizen_id = author.id
        session.add(item)
    put_item(session, "Сливен", start + 2 * day)  # its author was erased: one person
    joins = [  # who joined which report, and when
        (pothole, people[1], start + 2 * day),
        (pothole, people[2], start + 3 * day),
        (lamp, people[2], start + 3 * day),  # the same person on two reports
        (earlier, people[3], start + 4 * day),
        (earlier, people[0], start - day),  # joined last week: not this week's
    ]
    for number, citizen, when in joins:
        assert citizen.id is not None
        session.add(InboxSupporter(item_id=number, citizen_id=citizen.id, joined_at=when))
    session.commit()

    summary = inbox_summary(session, start, end)

    sliven, haskovo = summary.municipalities["Сливен"], summary.municipalities["Хасково"]
    assert (sliven.received, sliven.joined, sliven.people_affected) == (3, 3, 4)
    assert (haskovo.received, haskovo.joined, haskovo.people_affected) == (0, 1, 1)
    overall = summary.overall
    assert (overall.received, overall.joined, overall.people_affected) == (3, 4, 5)
