"""The real ``feedback-bot`` process, started, killed (-9) and restarted by end-to-end tests."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.keys import PSEUDONYM_KEY

BIN = Path(sys.executable).parent
TOKEN = "123456:TEST-token-for-the-fake-bot-api"


class BotProcess:
    """One bot process at a time over the same database and fake Bot API."""

    def __init__(self, api_url: str, workdir: Path, **env: str) -> None:
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api_url,
            "DATABASE_URL": f"sqlite:///{workdir / 'feedback.db'}",
            "PSEUDONYM_KEY": PSEUDONYM_KEY,
            "TIMEZONE": "Europe/Sofia",
            **env,
        }
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        assert self.process is None, "already running"
        self.starts += 1
        with self.log_path.open("a") as log:
            log.write(f"--- start {self.starts}\n")
            self.process = await asyncio.create_subprocess_exec(
                *self.program(),
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def program(self) -> list[str]:
        """The command that starts the process (benchmarks measure others the same way)."""
        return [str(BIN / "feedback-bot")]

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the OOM killer strikes."""
        await self._end(signal.SIGKILL)

    async def stop(self) -> None:
        await self._end(signal.SIGTERM)

    async def _end(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.send_signal(sig)
            await self.process.wait()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def age_claims(self, table: str, *, seconds: int) -> None:
        """As if ``seconds`` had passed since every claim of ``table`` (outbox, notification)
        in the SQLite database: what the claim lease makes of rows a killed process left."""
        stored = "%Y-%m-%d %H:%M:%S.%f"  # how SQLite holds the times
        with sqlite3.connect(self.workdir / "feedback.db") as db:
            rows = db.execute(f"select id, claimed_at from {table} where claimed_at is not null")
            for row_id, claimed_at in rows.fetchall():
                earlier = datetime.strptime(claimed_at, stored) - timedelta(seconds=seconds)
                db.execute(
                    f"update {table} set claimed_at = ? where id = ?",
                    (earlier.strftime(stored), row_id),
                )

    def admin(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``feedback-admin`` against the bot's database."""
        return subprocess.run(
            [str(BIN / "feedback-admin"), *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    def export(self, flow_id: str) -> list[dict[str, Any]]:
        out = self.workdir / f"{flow_id}.json"
        done = self.admin("export", "--flow", flow_id, "--format", "json", "-o", str(out))
        assert done.returncode == 0, done.stderr
        records: list[dict[str, Any]] = json.loads(out.read_text())
        return records
