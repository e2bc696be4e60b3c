"""Updates per second through the real dispatcher, with persistence, against a bare-aiogram ceiling.

N synthetic citizens answer ``event-satisfaction`` through ``create_dispatcher`` (every
middleware, every router, the real storage on a temporary SQLite file in WAL mode, or an empty
PostgreSQL database).  Telegram is replaced by :class:`NoNetworkSession`: it serialises each
request as ``AiohttpSession`` does, answers at once with what Telegram would return (parsed by
aiogram exactly as a real reply is), keeps the current state of every chat so that citizens
press the buttons the bot really sent, and counts the calls.

The same updates, in the same order and grouping, are then fed to a bare aiogram Dispatcher
(one echo handler, no middleware, no database) on the same kind of session: the ceiling.

Prints figures next to the targets; never asserts times.  Exits with status 1 only when the
stored data is wrong (completed responses, answers, choices) or a given database is not empty.

    python benchmarks/updates.py [--citizens 300] [--repeat 3] [--concurrency 50]
                                 [--database-url URL] [--profile [--profile-out FILE]]

With ``--webhook`` the same citizens post their updates over HTTP to real ``feedback-bot``
processes in webhook mode instead (:mod:`benchmarks.webhook_updates`):

    python benchmarks/updates.py --webhook [--replicas 2 --database-url postgresql+psycopg://...]
                                 [--connections 40] [--citizens 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import cProfile
import gc
import io
import json
import logging
import os
import platform
import pstats
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, cast

import aiogram
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Message, Update
from sqlalchemy import Engine, func, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from civic_feedback.bot.app import add_request_middlewares
from civic_feedback.bot.callbacks import AnswerCb
from civic_feedback.bot.dispatcher import create_dispatcher
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.units import UnitRunner
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.schema import Flow
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import Settings
from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database
from civic_feedback.storage.flow_versions import FlowCatalog, install_library
from civic_feedback.storage.models import (
    Answer,
    AnswerChoice,
    Citizen,
    ProcessedUpdate,
    Response,
    ResponseState,
)

FLOW_ID = "event-satisfaction"
TOKEN = "123456789:AAbenchmarkbenchmarkbenchmarkbench00"
PSEUDONYM_KEY = b"benchmark-pseudonym-key-0123456789"
MESSAGE_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})
LANGUAGES = ("bg", "en", "tr")
USER_ID_BASE = 7_000_000_000  # beyond small real ids; each repeat gets its own range
TARGET_UPDATES_PER_S = 1_000
TARGET_RATIO = 0.60
TARGET_MESSAGES_PER_ANSWER = 1.0

JSON = dict[str, Any]

# Which kind of update the current Bot API call serves ("start" or "answer"); each update is
# fed inside its own context, so calls are attributed correctly also under asyncio.gather.
_PHASE: contextvars.ContextVar[str] = contextvars.ContextVar("phase", default="other")


# --- Telegram without a network ----------------------------------------------------------------


class NoNetworkSession(BaseSession):
    """Answers every Bot API method instantly, with what Telegram would return.

    The request is serialised as ``AiohttpSession.build_form_data`` does and the reply goes
    through ``BaseSession.check_response`` (JSON text -> ``Response[...]``), so the client-side
    CPU cost of a call is the real one; only the network is missing.  Each call yields to the
    event loop once, as a real request would.
    """

    def __init__(self, bot_id: int) -> None:
        super().__init__()
        self.calls: Counter[tuple[str, str]] = Counter()  # (phase, method) -> calls
        self.chats: dict[int, dict[int, JSON]] = {}  # chat id -> message id -> message
        self.newest: dict[int, int] = {}  # chat id -> newest message id
        self._next_message_id = 1
        self._bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Civic feedback",
            "username": "civic_feedback_bot",
        }

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 (BaseSession's signature)
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (BaseSession's signature)
    ) -> TelegramType:
        name = method.__api_method__
        self.calls[_PHASE.get(), name] += 1
        files: dict[str, Any] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                params[key] = prepared
        await asyncio.sleep(0)
        content = json.dumps({"ok": True, "result": self._result(name, params)})
        response = self.check_response(bot=bot, method=method, status_code=200, content=content)
        return cast(TelegramType, response.result)

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return self._bot_user
        if name not in MESSAGE_METHODS:
            return True
        chat_id = int(params["chat_id"])
        chat = self.chats.setdefault(chat_id, {})
        markup = json.loads(params["reply_markup"]) if "reply_markup" in params else None
        if name == "sendMessage":
            message_id = self._next_message_id
            self._next_message_id += 1
            message: JSON = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Citizen"},
                "from": self._bot_user,
                "text": params["text"],
            }
            chat[message_id] = message
            self.newest[chat_id] = message_id
        else:
            message_id = int(params["message_id"])
            # The echo ceiling replays the product's presses: a message it never sent itself
            # (the privacy notice) is edited as if it had.
            message = chat.setdefault(
                message_id,
                {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "Citizen"},
                    "from": self._bot_user,
                    "text": "",
                },
            )
            if name == "editMessageText":
                message["text"] = params["text"]
            message["edit_date"] = int(time.time())
        # editMessageText without reply_markup removes the keyboard, as Telegram does.
        if markup is not None and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    def screen(self, chat_id: int) -> JSON | None:
        """The newest message the bot sent to this chat, as it looks now."""
        newest = self.newest.get(chat_id)
        return None if newest is None else self.chats[chat_id][newest]

    def count(self, phase: str | None = None, methods: frozenset[str] = MESSAGE_METHODS) -> int:
        return sum(n for (p, m), n in self.calls.items() if m in methods and phase in (None, p))


# --- Synthetic citizens -------------------------------------------------------------------------


class UpdateFactory:
    """Incoming updates as Telegram's getUpdates would carry them (JSON), with unique ids."""

    def __init__(self, first_update_id: int) -> None:
        self._update_id = first_update_id
        self._user_message_ids: Counter[int] = Counter()

    def _next_update_id(self) -> int:
        self._update_id += 1
        return self._update_id

    @staticmethod
    def user(user_id: int, language: str) -> JSON:
        return {"id": user_id, "is_bot": False, "first_name": "Citizen", "language_code": language}

    def text(self, user_id: int, language: str, text: str) -> JSON:
        self._user_message_ids[user_id] += 1
        message: JSON = {
            "message_id": self._user_message_ids[user_id],
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Citizen"},
            "from": self.user(user_id, language),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": self._next_update_id(), "message": message}

    def press(self, user_id: int, language: str, message: JSON, data: str) -> JSON:
        update_id = self._next_update_id()
        query = {
            "id": str(update_id),
            "from": self.user(user_id, language),
            "chat_instance": str(user_id),
            "message": message,
            "data": data,
        }
        return {"update_id": update_id, "callback_query": query}


@dataclass
class SyntheticCitizen:
    """Answers like a person: reads the newest bot message and presses one of its buttons."""

    user_id: int
    language: str
    overall: int
    recommend: int
    ticks: list[int]
    organisation: int
    comment: str
    started: bool = False
    finished: bool = False
    comment_shown: bool = False
    steps: int = 0
    _to_tick: list[int] = field(default_factory=list)

    @property
    def expected_answers(self) -> int:
        # overall, recommend, most_useful, organisation, suggestion (skipped: stored as None)
        # and comment only when it was shown (overall <= 3); hidden questions store nothing.
        return 6 if self.overall <= 3 else 5

    def next_update(self, factory: UpdateFactory, tg: NoNetworkSession, flow: Flow) -> JSON | None:
        """The citizen's next action given what the bot shows, or None when the form is over."""
        if not self.started:
            self.started = True
            self._to_tick = list(self.ticks)
            return factory.text(self.user_id, self.language, f"/start f_{FLOW_ID}")
        self.steps += 1
        screen = tg.screen(self.user_id)
        if screen is None:
            raise RuntimeError(f"citizen {self.user_id}: the bot sent nothing")
        buttons = [
            button["callback_data"]
            for row in screen.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        ]
        if not buttons:
            self.finished = True
            return None
        if self.steps > 20:
            raise RuntimeError(f"citizen {self.user_id}: stuck on {screen.get('text')!r}")
        if buttons[0].startswith("privacy:"):  # first contact: the citizen accepts the notice
            return factory.press(self.user_id, self.language, screen, buttons[0])
        shown = {(cb.kind.value, cb.value): raw for raw in buttons if (cb := AnswerCb.unpack(raw))}
        position = AnswerCb.unpack(buttons[0]).question
        question = flow.questions[position].id

        def press(kind: str, value: str = "") -> JSON:
            data = shown.get((kind, value))
            if data is None:
                raise RuntimeError(
                    f"citizen {self.user_id}: no button {kind}/{value} on {question}"
                )
            return factory.press(self.user_id, self.language, screen, data)

        if question == "overall":
            return press("v", str(self.overall))
        if question == "recommend":
            return press("v", str(self.recommend))
        if question == "most_useful":
            return press("t", str(self._to_tick.pop(0))) if self._to_tick else press("d")
        if question == "organisation":
            return press("v", str(self.organisation))
        if question == "comment":
            self.comment_shown = True
            return factory.text(self.user_id, self.language, self.comment)
        if question == "suggestion":
            return press("s")
        raise RuntimeError(f"citizen {self.user_id}: unexpected question {question}")


def make_citizens(count: int, first_user_id: int, seed: int) -> list[SyntheticCitizen]:
    rng = random.Random(seed)
    citizens = []
    for index in range(count):
        low = rng.random() < 0.4  # about 40 % rate the event 1-3 and are asked for a comment
        citizens.append(
            SyntheticCitizen(
                user_id=first_user_id + index,
                language=LANGUAGES[index % len(LANGUAGES)],
                overall=rng.randint(1, 3) if low else rng.randint(4, 5),
                recommend=rng.randint(0, 10),
                ticks=rng.sample(range(5), rng.randint(1, 2)),
                organisation=rng.randint(1, 5),
                comment=rng.choice(
                    (
                        "The hall was too small & too warm.",
                        "Започнахте с 30 минути закъснение.",
                        "Daha fazla soru için zaman olmalıydı <3",
                    )
                ),
            )
        )
    return citizens


# --- Feeding ----------------------------------------------------------------------------------


@dataclass
class Fed:
    """What one pass measured."""

    updates: int = 0
    starts: int = 0
    presses: int = 0  # callback-query updates (button presses)
    wall_s: float = 0.0
    cpu_s: float = 0.0  # this process's CPU time over the pass (robust on a busy machine)
    driver_s: float = 0.0  # the synthetic citizens' own work (reading buttons), inside wall_s
    latencies: list[float] = field(default_factory=list)
    full_gc_ms: list[float] = field(default_factory=list)  # pauses of generation-2 collections

    @property
    def rate(self) -> float:
        return self.updates / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_update(self) -> float:
        return self.cpu_s * 1000 / self.updates if self.updates else 0.0


async def _feed_one(
    dispatcher: Dispatcher, bot: Bot, raw: JSON, phase: str, latencies: list[float]
) -> None:
    token = _PHASE.set(phase)
    try:
        update = Update.model_validate(raw, context={"bot": bot})  # as polling parses it
        began = time.perf_counter()
        result = await dispatcher.feed_update(bot, update)
        if isinstance(result, TelegramMethod):  # a handler's answer, sent as polling sends it
            await bot(result)
        latencies.append(time.perf_counter() - began)
    finally:
        _PHASE.reset(token)


def _phase_of(raw: JSON) -> str:
    text = raw.get("message", {}).get("text", "")
    return "start" if text.startswith("/start") else "answer"


def _batches(items: list[SyntheticCitizen], size: int) -> Iterator[list[SyntheticCitizen]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


async def feed_citizens(
    dispatcher: Dispatcher,
    bot: Bot,
    tg: NoNetworkSession,
    citizens: list[SyntheticCitizen],
    factory: UpdateFactory,
    flow: Flow,
    concurrency: int,
    recorded: list[list[JSON]],
) -> Fed:
    """Round after round, every unfinished citizen takes one step; a citizen's steps stay in
    order (its next step is decided after the bot answered the previous one).  Each round is
    fed one update at a time (concurrency 1) or in asyncio.gather batches."""
    fed = Fed()
    active = list(citizens)
    began, cpu_began = time.perf_counter(), time.process_time()
    while active:
        still: list[SyntheticCitizen] = []
        for group in _batches(active, concurrency):
            decided = time.perf_counter()
            batch = []
            for citizen in group:
                raw = citizen.next_update(factory, tg, flow)
                if raw is not None:
                    batch.append(raw)
                    still.append(citizen)
            fed.driver_s += time.perf_counter() - decided
            if not batch:
                continue
            recorded.append(batch)
            await _feed_batch(dispatcher, bot, batch, fed)
        active = still
    fed.wall_s = time.perf_counter() - began
    fed.cpu_s = time.process_time() - cpu_began
    return fed


async def _feed_batch(dispatcher: Dispatcher, bot: Bot, batch: list[JSON], fed: Fed) -> None:
    fed.updates += len(batch)
    fed.starts += sum(_phase_of(raw) == "start" for raw in batch)
    fed.presses += sum("callback_query" in raw for raw in batch)
    if len(batch) == 1:
        await _feed_one(dispatcher, bot, batch[0], _phase_of(batch[0]), fed.latencies)
    else:
        await asyncio.gather(
            *(_feed_one(dispatcher, bot, raw, _phase_of(raw), fed.latencies) for raw in batch)
        )


async def feed_recorded(dispatcher: Dispatcher, bot: Bot, recorded: list[list[JSON]]) -> Fed:
    """The same updates, same order and grouping (the ceiling does not look at buttons)."""
    fed = Fed()
    began, cpu_began = time.perf_counter(), time.process_time()
    for batch in recorded:
        await _feed_batch(dispatcher, bot, batch, fed)
    fed.wall_s = time.perf_counter() - began
    fed.cpu_s = time.process_time() - cpu_began
    return fed


@contextmanager
def full_gc_pauses() -> Iterator[list[float]]:
    """The duration (ms) of every full (generation 2) garbage collection inside the block."""
    pauses: list[float] = []
    started: list[float] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses.append((time.perf_counter() - started.pop()) * 1000)

    gc.callbacks.append(watch)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(watch)


# --- The bare-aiogram ceiling -------------------------------------------------------------------


def create_echo_dispatcher() -> Dispatcher:
    """One handler per event type, one Bot API message each; no middleware, no database."""
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo_message(message: Message) -> None:
        await message.answer(message.text or "?")

    @dispatcher.callback_query()
    async def echo_button(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(f"pressed {query.data}")

    return dispatcher


# --- One run --------------------------------------------------------------------------------------


@dataclass
class RunResult:
    civic: Fed
    echo: Fed
    civic_calls: NoNetworkSession
    echo_calls: NoNetworkSession
    citizens: list[SyntheticCitizen]
    checks: list[tuple[str, int, int]]  # (what, found, expected)
    journal_mode: str
    profile: str | None = None


class Bench:
    """The product assembled once, as at start-up; each repeat points its session factory at a
    fresh temporary database (or, on a given database, uses new user and update ids)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.temp_dir = tempfile.TemporaryDirectory(prefix="civic-bench-")
        self.shared = args.database_url is not None
        if self.shared:
            url = args.database_url
            self.first_engine = prepare_shared_database(url)
        else:
            url = self._temp_url(0)
            self.first_engine = self._new_temp_database(url)
        self.settings = Settings(database_url=url, _env_file=None)
        self.sessions: sessionmaker[Session] = session_factory(self.first_engine)
        self.i18n = create_i18n(self.settings.interface_language)
        self.runner = UnitRunner(threads=args.unit_threads)
        self.dispatcher = self._new_dispatcher()
        self.echo = create_echo_dispatcher()
        self.flow = next(flow for flow in library_flows() if flow.id == FLOW_ID)

    def _new_dispatcher(self) -> Dispatcher:
        """The product's dispatcher; a new one has an empty flow cache, as after a restart."""
        return create_dispatcher(
            settings=self.settings,
            sessions=self.sessions,
            runs=FormRuns(FlowCatalog(), PSEUDONYM_KEY),
            i18n=self.i18n,
            runner=self.runner,
        )

    def _temp_url(self, repeat: int) -> str:
        return f"sqlite:///{Path(self.temp_dir.name) / f'feedback-{repeat}.db'}"

    @staticmethod
    def _new_temp_database(url: str) -> Engine:
        upgrade_database(url)
        engine = create_db_engine(url)
        with session_factory(engine).begin() as session:
            install_library(session)
        return engine

    async def run(self, repeat: int, *, profile: bool) -> RunResult:
        n = self.args.citizens
        if self.shared or repeat == 0:
            engine = self.first_engine
        else:
            engine = self._new_temp_database(self._temp_url(repeat))
        self.sessions.configure(bind=engine)
        self.dispatcher = self._new_dispatcher()
        first_user = USER_ID_BASE + repeat * 1_000_000
        citizens = make_citizens(n, first_user, seed=self.args.seed + repeat)
        factory = UpdateFactory(first_update_id=repeat * 100_000_000 + _update_id_floor(engine))
        recorded: list[list[JSON]] = []

        civic_tg = NoNetworkSession(bot_id=int(TOKEN.split(":")[0]))
        add_request_middlewares(civic_tg)  # as create_bot() assembles the product's session
        bot = Bot(TOKEN, session=civic_tg, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        profiler = cProfile.Profile() if profile else None
        with _profiled(profiler), self.i18n.context(), full_gc_pauses() as civic_gc:
            civic = await feed_citizens(
                self.dispatcher,
                bot,
                civic_tg,
                citizens,
                factory,
                self.flow,
                self.args.concurrency,
                recorded,
            )

        echo_tg = NoNetworkSession(bot_id=int(TOKEN.split(":")[0]))
        echo_bot = Bot(
            TOKEN, session=echo_tg, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
        )
        with full_gc_pauses() as echo_gc:
            echo = await feed_recorded(self.echo, echo_bot, recorded)
        civic.full_gc_ms, echo.full_gc_ms = civic_gc, echo_gc

        checks = verify(self.sessions, citizens)
        journal = _journal_mode(engine)
        if not self.shared:
            engine.dispose()
        return RunResult(
            civic=civic,
            echo=echo,
            civic_calls=civic_tg,
            echo_calls=echo_tg,
            citizens=citizens,
            checks=checks,
            journal_mode=journal,
            profile=_profile_text(profiler, self.args) if profiler else None,
        )

    def close(self) -> None:
        self.runner.close()
        self.first_engine.dispose()
        self.temp_dir.cleanup()


@contextmanager
def _profiled(profiler: cProfile.Profile | None) -> Iterator[None]:
    if profiler is None:
        yield
        return
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()


def _profile_text(profiler: cProfile.Profile, args: argparse.Namespace) -> str:
    if args.profile_out:
        profiler.dump_stats(args.profile_out)
    top = args.profile_top
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)
    return out.getvalue()


def _update_id_floor(engine: Engine) -> int:
    """Past every update id already in a shared database (they are de-duplicated)."""
    with Session(engine) as session:
        highest = session.exec(select(func.max(ProcessedUpdate.update_id))).one()
    return int(highest or 0)


def _journal_mode(engine: Engine) -> str:
    if engine.dialect.name != "sqlite":
        return "n/a"
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("PRAGMA journal_mode").scalar())


def prepare_shared_database(url: str) -> Engine:
    """A user-given database must hold nothing but (at most) this product's empty schema."""
    engine = create_db_engine(url)
    ours = {"alembic_version", *(table.name for table in Citizen.metadata.sorted_tables)}
    tables = set(inspect(engine).get_table_names())
    foreign = sorted(tables - ours)
    if foreign:
        engine.dispose()
        sys.exit(f"--database-url must be an empty database; it has other tables: {foreign}")
    upgrade_database(url)
    with Session(engine) as session:
        for model in (Citizen, Response, ProcessedUpdate):
            if session.exec(select(func.count()).select_from(model)).one():
                engine.dispose()
                sys.exit(
                    f"--database-url must be an empty database; {model.__tablename__} has rows "
                    "(the benchmark leaves its data behind: use a new database each time)"
                )
        install_library(session)
        session.commit()
    return engine


def verify(
    sessions: sessionmaker[Session], citizens: list[SyntheticCitizen]
) -> list[tuple[str, int, int]]:
    """What the database holds for these citizens, against what they answered."""
    low, high = citizens[0].user_id, citizens[-1].user_id
    ours = (col(Citizen.telegram_id) >= low) & (col(Citizen.telegram_id) <= high)
    with sessions() as session:
        completed = session.exec(
            select(func.count())
            .select_from(Response)
            .join(Citizen, col(Citizen.id) == Response.citizen_id)
            .where(ours, Response.flow_id == FLOW_ID, Response.state == ResponseState.COMPLETED)
        ).one()
        answers = session.exec(
            select(func.count())
            .select_from(Answer)
            .join(Response, col(Response.id) == Answer.response_id)
            .join(Citizen, col(Citizen.id) == Response.citizen_id)
            .where(ours)
        ).one()
        comments = session.exec(
            select(func.count())
            .select_from(Answer)
            .join(Response, col(Response.id) == Answer.response_id)
            .join(Citizen, col(Citizen.id) == Response.citizen_id)
            .where(ours, Answer.question_id == "comment", col(Answer.text_value).is_not(None))
        ).one()
        choices = session.exec(
            select(func.count())
            .select_from(AnswerChoice)
            .join(Answer, col(Answer.id) == AnswerChoice.answer_id)
            .join(Response, col(Response.id) == Answer.response_id)
            .join(Citizen, col(Citizen.id) == Response.citizen_id)
            .where(ours)
        ).one()
    low_rated = sum(c.overall <= 3 for c in citizens)
    return [
        ("completed responses", int(completed), len(citizens)),
        ("answers stored", int(answers), sum(c.expected_answers for c in citizens)),
        ("options ticked (answer_choice)", int(choices), sum(len(c.ticks) for c in citizens)),
        ("comments stored (overall <= 3)", int(comments), low_rated),
        ("comment asked (overall <= 3)", sum(c.comment_shown for c in citizens), low_rated),
        ("citizens who reached the end", sum(c.finished for c in citizens), len(citizens)),
    ]


# --- Report -------------------------------------------------------------------------------------


class CountingHandler(logging.Handler):
    """Warnings and errors logged during the run, counted and shown."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0
        self.stream = logging.StreamHandler(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.count <= 5:
            self.stream.emit(record)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def _gc_summary(pauses: list[float]) -> str:
    return f"{len(pauses)}, {max(pauses):.0f}" if pauses else "0"


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def report(args: argparse.Namespace, results: list[RunResult], log_count: int) -> bool:
    first = results[0]
    ratios = [r.civic.rate / r.echo.rate for r in results]

    def best_median(values: list[float], fmt: str) -> str:
        return f"{max(values):{fmt}} / {statistics.median(values):{fmt}}"

    def median_of(fed: str, what: str) -> float:
        return float(statistics.median(getattr(getattr(r, fed), what) for r in results))

    def lat(fed: str, q: float) -> str:
        runs = [percentile(getattr(r, fed).latencies, q) * 1000 for r in results]
        return f"{statistics.median(runs):.2f}"

    updates = first.civic.updates
    answers = updates - first.civic.starts
    presses = first.civic.presses
    civic_acks = first.civic_calls.count(None, frozenset({"answerCallbackQuery"}))
    civic_per_answer = first.civic_calls.count("answer") / answers
    echo_per_answer = first.echo_calls.count("answer") / answers
    echo_presses = first.echo_calls.count(None, frozenset({"answerCallbackQuery"}))
    best_civic = max(r.civic.rate for r in results)
    best_ratio = max(ratios)
    mode = (
        "round-robin, one update at a time"
        if args.concurrency == 1
        else f"concurrent: each round fed with asyncio.gather in batches of {args.concurrency}"
    )
    units = f"in {args.unit_threads} threads" if args.unit_threads else "inline"
    mode += f"; units of work {units}"
    if args.database_url:
        url = make_url(args.database_url)
        database = (
            f"{url.get_backend_name()} at the given URL (it was empty); shared by the repeats"
        )
    else:
        database = "sqlite, a new temporary file for each repeat"
    if first.journal_mode != "n/a":
        database += f"; journal_mode={first.journal_mode}"
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    by_method = Counter[str]()
    for (_, method), n in first.civic_calls.calls.items():
        by_method[method] += n

    lines = [
        "civic-feedback update benchmark (figures only; nothing asserted on times)",
        "",
        f"machine       {cpu_model()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}; Python {platform.python_version()}, "
        f"aiogram {aiogram.__version__}, SQLAlchemy {version('sqlalchemy')}",
        f"database      {database}; engine and sessions as the product configures them",
        "Bot API       no network: each request serialised and each reply parsed as aiogram's "
        "aiohttp session does, answered at once",
        f"traffic       {args.citizens} citizens answering {FLOW_ID}: {updates} updates per pass "
        f"= {first.civic.starts} /start + {answers} answers ({presses} button presses, "
        f"{answers - presses} typed comments)",
        f"interleaving  {mode}; each citizen's updates stay in order",
        f"repeats       {len(results)}: throughput best / median; other figures median of repeats"
        + ("; gc.freeze() after start-up, as feedback-bot does" if args.gc_freeze else ""),
        "",
    ]
    widths = (40, 20, 20, 16)
    rows = [
        ("", "civic-feedback", "bare echo", "target"),
        (
            "updates/s (best / median)",
            best_median([r.civic.rate for r in results], ",.0f"),
            best_median([r.echo.rate for r in results], ",.0f"),
            f">= {TARGET_UPDATES_PER_S:,} {_ok(best_civic >= TARGET_UPDATES_PER_S)}",
        ),
        (
            "civic-feedback / bare echo",
            best_median(ratios, ".0%"),
            "100%",
            f">= {TARGET_RATIO:.0%} {_ok(best_ratio >= TARGET_RATIO)}",
        ),
        ("handling latency p50 (ms)", lat("civic", 0.50), lat("echo", 0.50), ""),
        ("handling latency p99 (ms)", lat("civic", 0.99), lat("echo", 0.99), ""),
        (
            "CPU time per update (ms)",
            f"{median_of('civic', 'cpu_ms_per_update'):.2f}",
            f"{median_of('echo', 'cpu_ms_per_update'):.2f}",
            "",
        ),
        (
            "full GC collections: count, longest ms",
            _gc_summary(first.civic.full_gc_ms),
            _gc_summary(first.echo.full_gc_ms),
            "",
        ),
        (
            "messages sent or edited per answer",
            f"{civic_per_answer:.2f}",
            f"{echo_per_answer:.2f}",
            f"<= {TARGET_MESSAGES_PER_ANSWER:.0f} "
            f"{_ok(civic_per_answer <= TARGET_MESSAGES_PER_ANSWER)}",
        ),
        (
            "answerCallbackQuery (not counted above)",
            f"{civic_acks / presses:.2f} per press",
            f"{echo_presses / presses:.2f} per press",
            "",
        ),
        (
            "messages sent per /start",
            f"{first.civic_calls.count('start') / first.civic.starts:.2f}",
            f"{first.echo_calls.count('start') / first.civic.starts:.2f}",
            "",
        ),
    ]
    for row in rows:
        lines.append("".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines += [
        "",
        "Bot API calls of one civic-feedback pass: "
        + ", ".join(f"{method} {n}" for method, n in sorted(by_method.items())),
        f"the synthetic citizens' own work (reading buttons) inside the civic wall time: "
        f"{median_of('civic', 'driver_s') * 1000:.0f} ms of "
        f"{median_of('civic', 'wall_s') * 1000:.0f} ms",
        f"peak RSS of the process: {rss_mb:.0f} MB",
        f"warnings and errors logged: {log_count}",
        "",
        "correctness (database after the last repeat):",
    ]
    correct = True
    for what, found, expected in results[-1].checks:
        good = found == expected
        correct = correct and good
        lines.append(f"  {what:<34}{found:>7} of {expected:<7}{'ok' if good else 'WRONG'}")
    print("\n".join(lines))
    for index, result in enumerate(results, 1):
        if result.profile:
            print(f"\ncProfile of civic-feedback pass {index} (cumulative, top {args.profile_top})")
            print(result.profile)
    return correct


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Feed synthetic citizens answering event-satisfaction through the real "
        "dispatcher and storage, then the same updates through a bare aiogram echo; print "
        "updates/s, latencies, Bot API messages per answer, peak RSS and a correctness check.",
    )
    parser.add_argument("--citizens", type=int, default=300, help="citizens (default 300)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a temporary SQLite file per repeat (WAL, as the product configures it). "
        "Also a PostgreSQL URL (postgresql+psycopg://...) or SQLite file URL: it MUST be an "
        "EMPTY database (no tables, or only this product's schema without rows); the schema is "
        "created with upgrade_database, nothing is dropped, and the benchmark's citizens and "
        "answers stay in it afterwards (repeats use separate user and update ids)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="passes; best and median shown")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="1 (default): round-robin, one update at a time, so latency is pure handling time; "
        "B > 1: each round is fed with asyncio.gather in batches of B updates",
    )
    parser.add_argument(
        "--unit-threads",
        type=int,
        default=0,
        help="0 (default): units of work run inline on the event loop; N > 0: in a pool of N "
        "threads (feedback-bot uses threads on PostgreSQL, see bot/units.py)",
    )
    parser.add_argument("--seed", type=int, default=2024, help="random seed for the answers")
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="skip the gc.collect() + gc.freeze() that feedback-bot does after start-up "
        "(without it a full collection walks aiogram's ~190,000 start-up objects, ~150 ms)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the civic-feedback pass(es)"
    )
    parser.add_argument("--profile-top", type=int, default=25, help="rows of the profile")
    parser.add_argument("--profile-out", default=None, help="also save the pstats file here")
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="post the updates over HTTP to real feedback-bot processes in webhook mode, and "
        "the ceiling to bare aiogram echo processes served the same way "
        "(benchmarks/webhook_updates.py)",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="with --webhook: bot processes, updates posted to them in turn (default 1); two or "
        "more need --database-url on PostgreSQL",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=40,
        help="with --webhook: updates in flight at most (default 40, Telegram's default "
        "max_connections)",
    )
    parser.add_argument(
        "--src",
        type=Path,
        default=None,
        help="with --webhook: run the replicas from another checkout's src folder (to compare "
        "with an earlier version; in-process runs compare by running that checkout's own "
        "benchmarks/updates.py)",
    )
    args = parser.parse_args(argv)
    if args.citizens < 1 or args.repeat < 1 or args.concurrency < 1:
        parser.error("--citizens, --repeat and --concurrency must be at least 1")
    if args.database_url and make_url(args.database_url).get_backend_name() == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            parser.error("a PostgreSQL URL needs psycopg: pip install 'civic-feedback[postgres]'")
    return args


async def main_async(args: argparse.Namespace) -> bool:
    counter = CountingHandler()
    logging.basicConfig(level=logging.INFO, handlers=[counter])  # as feedback-bot: INFO...
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # ...without per-update lines
    logging.getLogger("alembic").setLevel(logging.WARNING)
    bench = Bench(args)
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    try:
        results = [await bench.run(k, profile=args.profile) for k in range(args.repeat)]
    finally:
        bench.close()
    return report(args, results, counter.count)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.webhook or args.replicas != 1:
        webhook_main(args)
        return
    if not asyncio.run(main_async(args)):
        sys.exit(1)


def webhook_main(args: argparse.Namespace) -> None:
    """``--webhook``: real bot processes over HTTP; it lives beside this file and starts the
    bot as tests/ do, so the project's root must be importable."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks.webhook_updates import run_webhook, webhook_problem

    problem = webhook_problem(args)
    if problem:
        sys.exit(f"updates.py: {problem}")
    if not asyncio.run(run_webhook(args)):
        sys.exit(1)


if __name__ == "__main__":
    main()
