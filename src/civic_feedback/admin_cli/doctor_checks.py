"""What ``feedback-admin doctor`` concludes from what it found: one check each, plain data.

Each function takes what was read (settings, Telegram's answers as plain values, the disk)
and says whether it is right and, when it is not, what to do. Nothing here calls Telegram or
the database; ``doctor_command`` does, and prints the checks.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from civic_feedback.settings import Settings, SettingsError
from civic_feedback.storage.backup_folder import latest_backup_time
from civic_feedback.storage.rollups import RollupState

NEW_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
MIN_FREE_BYTES = 1 << 30  # below 1 GB free, a busy week's writes or a backup may not fit
PENDING_LIMIT = 100  # more updates waiting than the bot handles at once: it is not taking them
BACKUP_MAX_AGE = timedelta(days=2)  # a nightly backup missed twice: the job is not working
ROLLUPS_BEHIND = 31  # settled days not rolled up: more than an hour of the bot's work


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report: ✓ or ✗, what was found, and what to do about it."""

    check: str
    ok: bool
    detail: str
    advice: str | None = None

    def line(self) -> str:
        text = f"{'✓' if self.ok else '✗'} {self.check} — {self.detail}"
        return f"{text}; {self.advice}" if self.advice else text

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def not_checked(check: str, because: str, advice: str) -> Check:
    """A check that could not be made because an earlier one failed."""
    return Check(check, False, f"not checked: {because}", advice)


# --- settings ---------------------------------------------------------------------------


def read_settings(**overrides: Any) -> tuple[Settings, dict[str, str]]:
    """The settings, each value that cannot be used replaced by its default so that the
    other checks still run; and what was wrong, by variable name."""
    problems: dict[str, str] = {}
    for _ in range(len(Settings.model_fields)):
        try:
            return Settings(**overrides), problems
        except ValidationError as error:
            for problem in error.errors(include_url=False):
                field = str(problem["loc"][0]) if problem["loc"] else ""
                info = Settings.model_fields.get(field)
                if info is None or field in overrides:
                    raise SettingsError(f"settings: {problem['msg']}") from None
                problems[field.upper()] = str(problem["msg"]).removeprefix("Value error, ")
                overrides[field] = info.get_default(call_default_factory=True)
    raise SettingsError("settings: too many values cannot be read")


def setting_checks(problems: Mapping[str, str]) -> list[Check]:
    """A failed check for each variable that cannot be used (the time zone has its own)."""
    return [
        Check(
            f"setting {name}",
            False,
            message,
            f"correct {name} in .env (see .env.example); its default was assumed here",
        )
        for name, message in problems.items()
        if name != "TIMEZONE"
    ]


def time_zone_check(settings: Settings, problems: Mapping[str, str], now: datetime) -> Check:
    if "TIMEZONE" in problems:
        return Check(
            "time zone",
            False,
            f"TIMEZONE: {problems['TIMEZONE'].partition('; ')[0]}",
            "write a zone of the tz database in TIMEZONE, e.g. Europe/Sofia",
        )
    local = now.astimezone(ZoneInfo(settings.timezone))
    return Check("time zone", True, f"{settings.timezone}, now {local:%Y-%m-%d %H:%M %Z}")


def pseudonym_key_check(settings: Settings) -> Check:
    key = settings.pseudonym_key.get_secret_value().strip() if settings.pseudonym_key else ""
    try:
        settings.require_pseudonym_key()
    except SettingsError:
        if not key:
            found = "PSEUDONYM_KEY is not set: exports and anonymous forms cannot work"
        elif len(key) < 16:
            found = f"PSEUDONYM_KEY is {len(key)} characters long, shorter than 16"
        else:
            found = "PSEUDONYM_KEY still holds an example value"
        return Check(
            "pseudonym key",
            False,
            found,
            f"make a secret with `{NEW_KEY}` and put it in .env as PSEUDONYM_KEY "
            "(pseudonyms already exported change with it)",
        )
    return Check("pseudonym key", True, "set, not an example value")


def inbox_routes_check(settings: Settings) -> Check:
    """Every municipality's messages have a group (citizens who chose none are asked to
    choose one that has)."""
    groups = settings.staff_groups
    if not groups:
        return Check(
            "inbox routes",
            False,
            "STAFF_CHATS names no staff group: citizens' messages wait in the database",
            "add the bot to a staff group and put Municipality:chat_id pairs, or *:chat_id "
            "for one group for all, in STAFF_CHATS (docs/inbox.md)",
        )
    known = set(settings.municipalities)
    misspelt = sorted(name for name in groups if name is not None and name not in known)
    problems: list[str] = []
    advice: list[str] = []
    if misspelt:
        problems.append(f"STAFF_CHATS names {', '.join(misspelt)}, not in MUNICIPALITIES")
        advice.append("spell each municipality in STAFF_CHATS as in MUNICIPALITIES")
    nowhere = settings.municipalities_without_group()
    if nowhere:  # citizens who chose none are asked to choose one that has a group
        problems.append(f"no group for {', '.join(nowhere)}, nor a default group")
        advice.append(f"add {nowhere[0]}:<chat id> or *:<chat id> to STAFF_CHATS")
    if problems:
        return Check("inbox routes", False, "; ".join(problems), "; ".join(advice))
    own = sum(1 for name in settings.municipalities if name in groups)
    if not own:
        return Check("inbox routes", True, "every message goes to the default group")
    rest = len(settings.municipalities) - own
    found = (
        "1 municipality has a group of its own"
        if own == 1
        else f"{own} municipalities have groups of their own"
    )
    if rest:
        found += f", {rest} {'goes' if rest == 1 else 'go'} to the default group"
    return Check("inbox routes", True, found)


def rollups_check(state: RollupState, missing: int, zone: str) -> Check:
    """The days the bot rolls up each hour are rolled up (docs/report.md#long-periods)."""
    advice = "`feedback-admin rollups rebuild` rolls them up now (docs/report.md#long-periods)"
    if state.days and state.zone != zone:
        return Check("roll-ups", False, f"rolled up in {state.zone}, TIMEZONE is {zone}", advice)
    if missing > ROLLUPS_BEHIND:
        return Check(
            "roll-ups",
            False,
            f"{missing} settled days are not rolled up: long reports count them from the "
            "answers, slowly; the bot rolls up a month's days an hour (is it running?)",
            advice,
        )
    if not state.days:
        return Check("roll-ups", True, "no settled day with answers yet")
    return Check("roll-ups", True, f"{state.days} days rolled up, the last {state.last}")


# --- Telegram ---------------------------------------------------------------------------

_AS = {
    "creator": "the owner",
    "administrator": "an administrator",
    "member": "a member",
    "restricted": "a restricted member",
}


def webhook_check(webhook_url: str | None, registered: str) -> Check:
    """The address Telegram posts updates to, against WEBHOOK_URL (none when polling)."""
    if webhook_url:
        if registered == webhook_url:
            return Check("webhook", True, f"Telegram posts updates to WEBHOOK_URL {webhook_url}")
        found = (
            f"Telegram posts updates to {registered}, not to WEBHOOK_URL {webhook_url}"
            if registered
            else f"Telegram has no webhook, but WEBHOOK_URL is {webhook_url}"
        )
        return Check(
            "webhook",
            False,
            found,
            "start (or restart) feedback-bot: it registers WEBHOOK_URL; if it runs, another "
            "deployment with this token registered its own address",
        )
    if not registered:
        return Check("webhook", True, "none: the bot takes its updates by long polling")
    return Check(
        "webhook",
        False,
        f"Telegram posts updates to {registered}, so long polling gets none",
        "set WEBHOOK_URL to that address if this deployment serves it; otherwise restart "
        "feedback-bot, which removes the webhook when it polls",
    )


def pending_check(count: int, last_error: str | None) -> Check:
    """Updates Telegram holds for the bot: many waiting means nobody takes them."""
    if count < PENDING_LIMIT:
        return Check("pending updates", True, f"{count} waiting")
    said = f"; Telegram's last delivery error: {last_error}" if last_error else ""
    return Check(
        "pending updates",
        False,
        f"{count} updates are waiting for the bot{said}",
        "check that feedback-bot runs (and, with a webhook, that the proxy reaches it); "
        "Telegram drops updates after a day",
    )


def staff_group_check(
    check: str, chat: int | str, title: str, status: str, can_send: bool | None
) -> Check:
    """A staff group: the bot must still be in it and allowed to write."""
    where = f"{title} ({chat})"
    if status in ("left", "kicked"):
        return Check(
            check,
            False,
            f"the bot is no longer in {where} ({status})",
            "add the bot to the group again, or correct STAFF_CHATS",
        )
    if status == "restricted" and not can_send:
        return Check(
            check,
            False,
            f"the bot may not send messages in {where}",
            "allow members (or the bot) to send messages in the group's permissions",
        )
    return Check(check, True, f"{where}: the bot is {_AS.get(status, status)}")


def channel_check(
    check: str, chat: int | str, title: str, kind: str, status: str, can_post: bool | None
) -> Check:
    """A chat results were published to: the bot must still be able to post there."""
    where = f"{title} ({chat})" if str(chat) != title else title
    if kind == "channel":
        allowed = status == "creator" or (status == "administrator" and bool(can_post))
    else:
        allowed = status in ("creator", "administrator", "member") or (
            status == "restricted" and bool(can_post)
        )
    if allowed:
        return Check(check, True, f"{where}: the bot is {_AS.get(status, status)} and may post")
    return Check(
        check,
        False,
        f"the bot cannot post in {where}: it is {_AS.get(status, status)}",
        "make the bot an administrator of the channel with the right to post messages",
    )


def telegram_refusal(what: str, error: Exception) -> str:
    """Telegram's refusal (or why it could not be reached) in one line."""
    message = getattr(error, "message", None) or str(error).splitlines()[0]
    return f"{what}: {type(error).__name__}: {message}"


# --- the disk ---------------------------------------------------------------------------


def backups_check(
    backup_dir: Path | None,
    now: datetime,
    writable: Callable[[Path], bool] = lambda p: os.access(p, os.W_OK | os.X_OK),
) -> Check:
    """With BACKUP_DIR set: the folder takes files, and the newest backup is recent."""
    if backup_dir is None:
        return Check("backups", True, "off: BACKUP_DIR is not set, the bot takes no backups")
    if not backup_dir.is_dir():
        return Check(
            "backups",
            False,
            f"BACKUP_DIR {backup_dir} does not exist",
            f"create it (mkdir -p {backup_dir}) and let the bot's user write in it",
        )
    if not writable(backup_dir):
        return Check(
            "backups",
            False,
            f"BACKUP_DIR {backup_dir} is not writable by this user",
            f"let the bot's user write in it (chown or chmod {backup_dir})",
        )
    taken = latest_backup_time(backup_dir)
    if taken is None or now - taken > BACKUP_MAX_AGE:
        found = (
            "no backup yet"
            if taken is None
            else f"the newest backup is from {taken:%Y-%m-%d %H:%M} UTC"
        )
        return Check(
            "backups",
            False,
            f"{found} in {backup_dir}",
            "check that feedback-bot runs and look for backup_failed in its log; "
            "`feedback-admin backup -o FILE` takes one now",
        )
    return Check("backups", True, f"the newest in {backup_dir} is from {taken:%Y-%m-%d %H:%M} UTC")


def disk_space_check(
    database_url: str,
    free_bytes: Callable[[Path], int] = lambda p: shutil.disk_usage(p).free,
    backup_dir: Path | None = None,
) -> Check:
    """Free space where a SQLite database lives."""
    no_backups = "backups are not configured" if backup_dir is None else f"backups in {backup_dir}"
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return Check(
            "disk space",
            True,
            f"{url.get_backend_name()} keeps its files on its server: check its disk there; "
            f"{no_backups}",
        )
    path = Path(url.database or "").resolve()
    folder = path.parent if url.database else Path.cwd()
    if not folder.is_dir():
        return Check(
            "disk space",
            False,
            f"the database's folder {folder} does not exist",
            "create it, or correct DATABASE_URL",
        )
    size = sum(p.stat().st_size for p in folder.glob(f"{path.name}*") if p.is_file())
    free = free_bytes(folder)
    needed = max(MIN_FREE_BYTES, 2 * size)  # room to copy the database once more
    found = f"{_size(free)} free in {folder} (the database: {_size(size)}); {no_backups}"
    if free < needed:
        return Check(
            "disk space",
            False,
            found,
            f"free at least {_size(needed)}: the database grows, and copying it needs its size",
        )
    return Check("disk space", True, found)


def _size(count: int) -> str:
    amount = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")
