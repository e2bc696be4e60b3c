"""``updates.py --webhook``: the citizens' updates over HTTP to real ``feedback-bot`` processes.

``--replicas N`` processes of ``feedback-bot`` run in webhook mode on one database (a new
SQLite file for one replica; the empty PostgreSQL database of ``--database-url`` for any
number). The synthetic citizens of :mod:`benchmarks.updates` post their updates to them in
turn (round-robin, as a reverse proxy spreads Telegram's requests), with the secret header,
at most ``--connections`` at once (Telegram's ``max_connections`` is 40 by default); each
citizen's next update is decided after the bot answered the previous one, from what the bot
showed. The bots answer through ``TELEGRAM_API_URL`` to :class:`BotApiStandIn` in this
process: the in-process mode's Telegram state (:class:`NoNetworkSession`) behind aiohttp,
answering at once with what Telegram would return.

Latency is from posting an update to the first message the bot sends or edits for it
arriving at the stand-in. The ceiling is the same traffic (each citizen's updates in the same
order, the same connections) posted to as many processes of :mod:`benchmarks.echo_webhook`:
a bare aiogram echo behind the same webhook server.

Exits with status 1 when the stored data is wrong, a post is refused, or a bot does not start.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiogram
import aiohttp
from aiohttp import web
from sqlalchemy.engine import make_url
from tests.support.bot_process import TOKEN
from tests.support.webhook_replicas import SECRET, free_port

from benchmarks.polling_citizens import civic_bot
from benchmarks.process_stats import cpu_seconds, memory
from benchmarks.updates import (
    FLOW_ID,
    MESSAGE_METHODS,
    USER_ID_BASE,
    NoNetworkSession,
    SyntheticCitizen,
    UpdateFactory,
    cpu_model,
    make_citizens,
    percentile,
    prepare_shared_database,
    verify,
)
from civic_feedback.flows.library import library_flows
from civic_feedback.flows.schema import Flow
from civic_feedback.sandbox.bot_api import webhook_reply
from civic_feedback.storage.database import create_db_engine, session_factory

ROOT = Path(__file__).resolve().parent.parent
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
START_DEADLINE_S = 180  # aiogram's import alone takes seconds on a busy machine
TARGET_ONE_REPLICA = 1_000  # updates/s, one process on SQLite
TARGET_REPLICAS = 1_500  # updates/s, two replicas on PostgreSQL
TARGET_P99_MS = 50.0

JSON = dict[str, Any]


class BenchError(Exception):
    """A bot did not start, or refused an update: the figures would mean nothing."""


# --- Telegram, over HTTP ------------------------------------------------------------------------


class BotApiStandIn(NoNetworkSession):
    """The in-process mode's Telegram, served over HTTP to bot processes.

    Every Bot API request (``/bot{token}/{method}``, form fields as aiogram's aiohttp session
    sends them) is answered at once from the same chat state :class:`NoNetworkSession` keeps,
    so citizens press the buttons the bot really sent. The first message sent or edited in a
    chat settles the latency of the update that chat is waiting on.
    """

    def __init__(self) -> None:
        super().__init__(bot_id=int(TOKEN.split(":")[0]))
        self.webhooks: set[str] = set()  # URLs registered with setWebhook
        self._registered = asyncio.Event()
        self._replies: dict[int, asyncio.Future[float]] = {}  # chat id -> reply arrival time
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def expect_reply(self, chat_id: int) -> asyncio.Future[float]:
        """Resolved with time.perf_counter() when the bot's next message to the chat arrives."""
        reply = asyncio.get_running_loop().create_future()
        self._replies[chat_id] = reply
        return reply

    async def next_registration(self) -> None:
        await self._registered.wait()
        self._registered.clear()

    async def take_reply(self, response: aiohttp.ClientResponse) -> None:
        """The Bot API method a webhook answered with, carried out as Telegram does."""
        reply = await webhook_reply(response)
        if reply is not None:
            self._call(*reply)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        params = {key: value for key, value in form.items() if isinstance(value, str)}
        return web.json_response({"ok": True, "result": self._call(method, params)})

    def _call(self, method: str, params: dict[str, str]) -> object:
        self.calls["webhook", method] += 1
        if method == "setWebhook":
            self.webhooks.add(params["url"])
            self._registered.set()
        result = self._result(method, params)
        if method in MESSAGE_METHODS:
            reply = self._replies.pop(int(params["chat_id"]), None)
            if reply is not None and not reply.done():
                reply.set_result(time.perf_counter())
        return result


# --- The processes ------------------------------------------------------------------------------


@dataclass
class Server:
    """One process serving a webhook: a feedback-bot replica or an echo."""

    url: str
    process: asyncio.subprocess.Process
    log_path: Path
    cpu_s: float = 0.0  # CPU time it used while updates were posted

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def _webhook_env(port: int) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}/telegram/updates"
    return {"WEBHOOK_URL": url, "WEBHOOK_SECRET": SECRET, "WEBHOOK_PORT": str(port)}


async def start_replica(
    api_url: str, workdir: Path, database_url: str, src: Path | None = None
) -> Server:
    """A feedback-bot replica with its pace out of the way (``benchmarks/unpaced_bot.py``:
    the stand-in sets no limit, and what is measured is the bot, not Telegram's 30 a
    second); from another checkout's ``src`` when given."""
    env = _webhook_env(free_port())
    bot = civic_bot(
        api_url,
        workdir,
        src=src,
        env={"DATABASE_URL": database_url, **env},
        module="benchmarks.unpaced_bot",
    )
    await bot.start()
    assert bot.process is not None
    return Server(env["WEBHOOK_URL"], bot.process, bot.log_path)


async def start_echo(api_url: str, workdir: Path) -> Server:
    env = _webhook_env(free_port())
    log_path = workdir / "echo.log"
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.echo_webhook",
            env={
                "PATH": os.environ.get("PATH", ""),
                "PYTHONPATH": str(ROOT),
                "BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": api_url,
                **env,
            },
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Server(env["WEBHOOK_URL"], process, log_path)


async def until_serving(standin: BotApiStandIn, servers: list[Server]) -> None:
    """Until every server has registered its webhook; one that exits first is a failure."""
    exits = {asyncio.ensure_future(server.process.wait()): server for server in servers}
    try:
        async with asyncio.timeout(START_DEADLINE_S):
            while not {server.url for server in servers} <= standin.webhooks:
                registration = asyncio.ensure_future(standin.next_registration())
                done, _ = await asyncio.wait(
                    {registration, *exits}, return_when=asyncio.FIRST_COMPLETED
                )
                registration.cancel()
                exited = [server for ended, server in exits.items() if ended in done]
                if exited:
                    raise BenchError(
                        f"a server exited with status {exited[0].process.returncode} before "
                        f"serving; see {exited[0].log_path}"
                    )
    except TimeoutError:
        raise BenchError(f"not every server was serving after {START_DEADLINE_S} s") from None
    finally:
        for waiting in exits:
            waiting.cancel()


async def stop(servers: list[Server]) -> None:
    for server in servers:
        if server.process.returncode is None:
            server.process.terminate()
            await server.process.wait()


StartServer = Callable[[str, Path], Awaitable[Server]]


@asynccontextmanager
async def serving(
    start: StartServer, count: int, folder: Path, name: str
) -> AsyncIterator[tuple[BotApiStandIn, list[Server]]]:
    """A stand-in and ``count`` servers started by ``start(api_url, workdir)``."""
    standin = BotApiStandIn()
    await standin.start()
    servers: list[Server] = []
    try:
        for index in range(count):
            workdir = folder / f"{name}-{index}"
            workdir.mkdir()
            servers.append(await start(standin.url, workdir))
        await until_serving(standin, servers)
        yield standin, servers
    finally:
        await stop(servers)
        await standin.stop()


# --- Posting ------------------------------------------------------------------------------------


@dataclass
class Pass:
    """What posting one round of traffic measured."""

    updates: int = 0
    wall_s: float = 0.0
    own_cpu_s: float = 0.0  # this process: the citizens, the HTTP client and the stand-in
    servers_cpu_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    without_reply: int = 0  # updates the bot answered with no message (none are expected)

    @property
    def rate(self) -> float:
        return self.updates / self.wall_s if self.wall_s else 0.0

    def cpu_ms_per_update(self, what: str) -> float:
        seconds: float = getattr(self, what)
        return seconds * 1000 / self.updates if self.updates else 0.0


NextUpdate = Callable[[], JSON | None]


def _chat_of(update: JSON) -> int:
    if "message" in update:
        return int(update["message"]["chat"]["id"])
    return int(update["callback_query"]["from"]["id"])


async def post_all(
    standin: BotApiStandIn, servers: list[Server], citizens: list[NextUpdate], connections: int
) -> Pass:
    """Every citizen posts its updates one after the other; all citizens at once, at most
    ``connections`` posts in flight, to the servers in turn."""
    result = Pass()
    turn = itertools.count()
    slots = asyncio.Semaphore(connections)
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=connections)

    async def citizen(next_update: NextUpdate, client: aiohttp.ClientSession) -> None:
        while (update := next_update()) is not None:
            body = json.dumps(update)
            async with slots:
                reply = standin.expect_reply(_chat_of(update))
                url = servers[next(turn) % len(servers)].url
                posted = time.perf_counter()
                async with client.post(url, data=body, headers=headers) as response:
                    if response.status != 200:
                        raise BenchError(f"{url} answered {response.status} to an update")
                    await standin.take_reply(response)
            result.updates += 1
            if reply.done():
                result.latencies.append(reply.result() - posted)
            else:
                reply.cancel()
                result.without_reply += 1

    cpu_before = [cpu_seconds(server.process.pid) for server in servers]
    began, own_began = time.perf_counter(), time.process_time()
    async with aiohttp.ClientSession(connector=connector) as client:
        await asyncio.gather(*(citizen(next_update, client) for next_update in citizens))
    result.wall_s = time.perf_counter() - began
    result.own_cpu_s = time.process_time() - own_began
    for server, before in zip(servers, cpu_before, strict=True):
        used = cpu_seconds(server.process.pid) - before
        server.cpu_s += used
        result.servers_cpu_s += used
    return result


def _citizen_steps(
    citizen: SyntheticCitizen,
    factory: UpdateFactory,
    standin: BotApiStandIn,
    flow: Flow,
    recorded: list[JSON],
) -> NextUpdate:
    def next_update() -> JSON | None:
        update = citizen.next_update(factory, standin, flow)
        if update is not None:
            recorded.append(update)
        return update

    return next_update


def _replay(updates: list[JSON]) -> NextUpdate:
    remaining: Iterator[JSON] = iter(updates)
    return lambda: next(remaining, None)


# --- One run ------------------------------------------------------------------------------------


@dataclass
class Run:
    civic: list[Pass]
    echo: list[Pass]
    replicas: list[Server]
    peaks_mb: list[float]  # VmHWM of each replica after the last pass
    checks: list[tuple[str, int, int]]
    warnings: list[str]  # WARNING and ERROR lines of the replicas' logs
    updates_per_citizen: float


def _new_database(args: argparse.Namespace, folder: Path) -> str:
    """The given empty database, or a new SQLite file; the schema and forms installed."""
    url: str = args.database_url or f"sqlite:///{folder / 'feedback.db'}"
    prepare_shared_database(url).dispose()
    return url


async def run(args: argparse.Namespace, folder: Path) -> Run:
    flow = next(flow for flow in library_flows() if flow.id == FLOW_ID)
    database_url = _new_database(args, folder)
    all_citizens: list[SyntheticCitizen] = []
    recorded: list[list[list[JSON]]] = []  # repeat -> citizen -> updates posted
    civic: list[Pass] = []

    async def replica(api_url: str, workdir: Path) -> Server:
        return await start_replica(api_url, workdir, database_url, args.src)

    async with serving(replica, args.replicas, folder, "replica") as (standin, replicas):
        for repeat in range(args.repeat):
            citizens = make_citizens(
                args.citizens, USER_ID_BASE + repeat * 1_000_000, seed=args.seed + repeat
            )
            factory = UpdateFactory(first_update_id=repeat * 100_000_000)
            posted: list[list[JSON]] = [[] for _ in citizens]
            steps = [
                _citizen_steps(c, factory, standin, flow, posted[i]) for i, c in enumerate(citizens)
            ]
            civic.append(await post_all(standin, replicas, steps, args.connections))
            all_citizens += citizens
            recorded.append(posted)
        peaks = [memory(server.process.pid).peak_mb for server in replicas]

    engine = create_db_engine(database_url)
    try:
        checks = verify(session_factory(engine), all_citizens)
    finally:
        engine.dispose()

    echo: list[Pass] = []
    async with serving(start_echo, args.replicas, folder, "echo") as (standin, echoes):
        for posted in recorded:
            replays = [_replay(updates) for updates in posted]
            echo.append(await post_all(standin, echoes, replays, args.connections))

    warnings = [
        line
        for server in replicas
        for line in server.log().splitlines()
        if " WARNING " in line or " ERROR " in line
    ]
    updates = sum(len(updates) for posted in recorded for updates in posted)
    return Run(civic, echo, replicas, peaks, checks, warnings, updates / len(all_citizens))


# --- Report -------------------------------------------------------------------------------------


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def report(args: argparse.Namespace, result: Run) -> bool:
    target = TARGET_ONE_REPLICA if args.replicas == 1 else TARGET_REPLICAS

    def rates(passes: list[Pass]) -> str:
        values = [p.rate for p in passes]
        return f"{max(values):,.0f} / {statistics.median(values):,.0f}"

    def latency(passes: list[Pass], fraction: float) -> float:
        return float(statistics.median(percentile(p.latencies, fraction) * 1000 for p in passes))

    def cpu(passes: list[Pass], what: str) -> str:
        return f"{statistics.median(p.cpu_ms_per_update(what) for p in passes):.2f}"

    if args.database_url:
        database = f"{make_url(args.database_url).get_backend_name()} at the given URL (empty)"
    else:
        database = "sqlite, a new file (WAL, as the product configures it)"
    best = max(p.rate for p in result.civic)
    p99 = latency(result.civic, 0.99)
    lines = [
        "civic-feedback update benchmark, webhook mode (figures only; nothing asserted on times)",
        "",
        f"machine       {cpu_model()}, {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; Python {platform.python_version()}, "
        f"aiogram {aiogram.__version__}, SQLAlchemy {version('sqlalchemy')}",
        f"database      {database}; shared by the replicas and the repeats",
        f"servers       {args.replicas} feedback-bot process(es) in webhook mode"
        + (f" from {args.src}" if args.src else "")
        + ", their pace out of the way (benchmarks/unpaced_bot.py); the ceiling: "
        f"{args.replicas} process(es) of benchmarks/echo_webhook.py (bare aiogram echo, same "
        "webhook server)",
        f"posting       round-robin over the servers with the secret header, at most "
        f"{args.connections} updates in flight; each citizen's next update after the bot "
        "answered the previous one",
        "Bot API       a stand-in on 127.0.0.1 in this process, answering at once as Telegram "
        "would",
        f"traffic       {args.citizens} citizens answering {FLOW_ID} per repeat, "
        f"{result.updates_per_citizen:.2f} updates each ({result.civic[0].updates} updates)",
        f"repeats       {args.repeat}: throughput best / median; other figures median of repeats",
        "latency       from posting an update to the bot's first sent or edited message for it "
        "arriving at the stand-in",
        "",
    ]
    widths = (44, 18, 18, 16)
    rows = [
        ("", "civic-feedback", "bare echo", "target"),
        (
            "updates/s (best / median)",
            rates(result.civic),
            rates(result.echo),
            f">= {target:,} {_ok(best >= target)}",
        ),
        (
            "latency p50 (ms)",
            f"{latency(result.civic, 0.50):.1f}",
            f"{latency(result.echo, 0.50):.1f}",
            "",
        ),
        (
            "latency p99 (ms)",
            f"{p99:.1f}",
            f"{latency(result.echo, 0.99):.1f}",
            f"< {TARGET_P99_MS:g} {_ok(p99 < TARGET_P99_MS)}",
        ),
        (
            "CPU per update, all servers (ms)",
            cpu(result.civic, "servers_cpu_s"),
            cpu(result.echo, "servers_cpu_s"),
            "",
        ),
        (
            "CPU per update, this process (ms)",
            cpu(result.civic, "own_cpu_s"),
            cpu(result.echo, "own_cpu_s"),
            "",
        ),
        (
            "updates answered without a message",
            str(sum(p.without_reply for p in result.civic)),
            str(sum(p.without_reply for p in result.echo)),
            "",
        ),
    ]
    for index, (server, peak) in enumerate(zip(result.replicas, result.peaks_mb, strict=True)):
        share = server.cpu_s / sum(s.cpu_s for s in result.replicas) if server.cpu_s else 0.0
        label = f"replica {index + 1}: peak RSS (MB), share of CPU"
        rows.append((label, f"{peak:.0f}, {share:.0%}", "", ""))
    for row in rows:
        lines.append("".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines += [
        "",
        f"this process (citizens, HTTP client, stand-in) shares the {os.cpu_count()} cores with "
        "the servers" + (" and PostgreSQL" if args.database_url else ""),
        f"warnings and errors in the replicas' logs: {len(result.warnings)}",
        *(f"  {line}" for line in result.warnings[:5]),
        "",
        "correctness (database after the last repeat):",
    ]
    correct = True
    for what, found, expected in result.checks:
        good = found == expected
        correct = correct and good
        lines.append(f"  {what:<34}{found:>7} of {expected:<7}{'ok' if good else 'WRONG'}")
    print("\n".join(lines))
    return correct


def webhook_problem(args: argparse.Namespace) -> str | None:
    """Why these options cannot run in webhook mode (one line), or None."""
    if not args.webhook:
        if args.src is not None:
            return "--src needs --webhook"
        return "--replicas needs --webhook" if args.replicas != 1 else None
    if args.replicas < 1 or args.connections < 1:
        return "--replicas and --connections must be at least 1"
    if args.profile:
        return "--profile profiles this process only: it does not apply to --webhook"
    if args.concurrency != 1:
        return "--concurrency is for the in-process mode; --webhook takes --connections"
    postgresql = bool(args.database_url) and (
        make_url(args.database_url).get_backend_name() == "postgresql"
    )
    if args.replicas > 1 and not postgresql:
        return (
            f"{args.replicas} replicas need --database-url on PostgreSQL "
            "(SQLite serves one process only)"
        )
    return None


async def run_webhook(args: argparse.Namespace) -> bool:
    """The webhook mode: run, report; False when the stored data is wrong.

    The processes' logs are kept when something failed, and named in the one-line message.
    """
    logging.basicConfig(level=logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="civic-webhook-bench-"))
    try:
        result = await run(args, folder)
    except BenchError as failure:
        sys.exit(f"updates.py --webhook: {failure} (logs in {folder})")
    shutil.rmtree(folder)
    return report(args, result)
