"""``feedback-admin doctor``, run as an operator (or a monitoring job) runs it.

The installed script in a subprocess, in ``tmp_path`` with an environment of its own, pointed
at the fake Bot API (``telegram_for``) on a migrated database with the built-in forms. A
healthy installation is all ✓ and exit 0; each problem is one ✗ line saying what is wrong
and what to do, and exit 1.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from civic_feedback.storage.database import create_db_engine, schema_revisions, upgrade_database
from civic_feedback.storage.events import find_event
from civic_feedback.storage.models import Publication
from civic_feedback.storage.revisions import newest_revision
from tests.support.admin_cli import (
    BOT_TOKEN,
    Cli,
    cli_in,
    insert_event,
    no_traceback,
    ready_cli,
    run_cli,
    session_on,
    telegram_for,
)
from tests.support.fake_telegram import FakeTelegram

SLIVEN_GROUP, DEFAULT_GROUP = -1001001, -1009009
CHANNEL = "@city_results"
HEALTHY = {
    "MUNICIPALITIES": "Sliven,Haskovo",
    "STAFF_CHATS": f"Sliven:{SLIVEN_GROUP},*:{DEFAULT_GROUP}",
}


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """A healthy deployment: groups for every municipality, results published once."""
    cli = ready_cli(tmp_path, **HEALTHY)
    with session_on(cli) as session:
        event = find_event(session, insert_event(session))
        assert event is not None
        assert event.id is not None
        session.add(Publication(event_id=event.id, chat=CHANNEL, message_id=7, language="bg"))
        session.commit()
    return cli


@pytest.fixture
async def telegram(cli: Cli) -> AsyncIterator[FakeTelegram]:
    async with telegram_for(cli) as fake:
        yield fake


async def doctor(cli: Cli, *options: str) -> tuple[int, dict[str, str]]:
    """Run the doctor; its exit status and its lines by check name."""
    run = await run_cli(cli, "doctor", *options)
    no_traceback(run)
    assert run.stderr == ""
    lines: dict[str, str] = {}
    for line in run.stdout.splitlines():
        mark, _, rest = line.partition(" ")
        assert mark in ("✓", "✗"), line
        name, _, _ = rest.partition(" — ")
        lines[name] = line
    return run.returncode, lines


def failed(lines: dict[str, str]) -> dict[str, str]:
    return {name: line for name, line in lines.items() if line.startswith("✗")}


async def test_a_healthy_installation_is_all_ticks_and_exit_0(
    cli: Cli, telegram: FakeTelegram
) -> None:
    status, lines = await doctor(cli)

    assert failed(lines) == {}
    assert status == 0
    assert list(lines) == [
        "bot token",
        "webhook",
        "pending updates",
        "staff group Sliven",
        "staff group (default)",
        f"publish channel {CHANNEL}",
        "database",
        "roll-ups",
        "inbox routes",
        "pseudonym key",
        "time zone",
        "disk space",
        "backups",
    ]
    assert "@civic_feedback_test_bot" in lines["bot token"]
    assert "long polling" in lines["webhook"]
    assert "the bot is a member" in lines["staff group Sliven"]
    assert lines["inbox routes"] == (
        "✓ inbox routes — 1 municipality has a group of its own, 1 goes to the default group"
    )
    assert "an administrator and may post" in lines[f"publish channel {CHANNEL}"]
    assert "backups are not configured" in lines["disk space"]
    assert lines["backups"] == "✓ backups — off: BACKUP_DIR is not set, the bot takes no backups"
    assert lines["roll-ups"] == "✓ roll-ups — no settled day with answers yet"
    assert telegram.requests("getChatMember")  # it asked, it did not assume


async def test_json_is_a_list_of_checks_for_monitoring(cli: Cli, telegram: FakeTelegram) -> None:
    telegram.bot_status[SLIVEN_GROUP] = "left"

    run = await run_cli(cli, "doctor", "--json")

    assert run.returncode == 1
    checks: list[dict[str, Any]] = json.loads(run.stdout)
    assert all(set(check) == {"check", "ok", "detail", "advice"} for check in checks)
    assert all(isinstance(check["ok"], bool) for check in checks)
    (bad,) = [check for check in checks if not check["ok"]]
    assert bad["check"] == "staff group Sliven"
    assert "add the bot to the group again" in bad["advice"]
    assert all(check["advice"] is None for check in checks if check["ok"])


async def test_a_revoked_token_says_to_copy_it_again_from_botfather(
    cli: Cli, telegram: FakeTelegram
) -> None:
    telegram.revoked_tokens.add(BOT_TOKEN)

    status, lines = await doctor(cli)

    assert status == 1
    assert lines["bot token"] == (
        "✗ bot token — Telegram refuses BOT_TOKEN (Unauthorized): it was revoked or mistyped; "
        "copy the bot's current token from @BotFather (/mybots, API Token) into BOT_TOKEN"
    )
    assert lines["webhook"] == (
        "✗ webhook — not checked: Telegram refuses the token; fix the bot token first"
    )
    assert "✓ database" in lines["database"]  # what needs no Telegram is still checked


async def test_a_webhook_other_than_webhook_url_is_named_with_what_to_do(
    cli: Cli, telegram: FakeTelegram
) -> None:
    telegram.webhook_url = "https://old.example.org/hook"
    cli.env["WEBHOOK_URL"] = "https://feedback.example.org/telegram"

    status, lines = await doctor(cli)

    assert status == 1
    assert failed(lines) == {
        "webhook": "✗ webhook — Telegram posts updates to https://old.example.org/hook, not to "
        "WEBHOOK_URL https://feedback.example.org/telegram; start (or restart) feedback-bot: "
        "it registers WEBHOOK_URL; if it runs, another deployment with this token registered "
        "its own address"
    }


async def test_a_webhook_while_polling_says_polling_gets_nothing(
    cli: Cli, telegram: FakeTelegram
) -> None:
    telegram.webhook_url = "https://elsewhere.example.org/hook"

    status, lines = await doctor(cli)

    assert status == 1
    assert "so long polling gets none" in lines["webhook"]


async def test_many_pending_updates_ask_whether_the_bot_runs(
    cli: Cli, telegram: FakeTelegram
) -> None:
    for user in range(120):
        telegram.send_text(6000 + user, "/start")

    status, lines = await doctor(cli)

    assert status == 1
    assert lines["pending updates"].startswith(
        "✗ pending updates — 120 updates are waiting for the bot; check that feedback-bot runs"
    )


async def test_a_staff_group_the_bot_left_says_to_add_it_again(
    cli: Cli, telegram: FakeTelegram
) -> None:
    telegram.bot_status[SLIVEN_GROUP] = "left"

    status, lines = await doctor(cli)

    assert status == 1
    assert failed(lines) == {
        "staff group Sliven": f"✗ staff group Sliven — the bot is no longer in Test group "
        f"{SLIVEN_GROUP} ({SLIVEN_GROUP}) (left); add the bot to the group again, or correct "
        "STAFF_CHATS"
    }


async def test_a_channel_the_bot_may_no_longer_post_in_says_to_make_it_an_admin(
    cli: Cli, telegram: FakeTelegram
) -> None:
    telegram.bot_status[CHANNEL] = "member"

    status, lines = await doctor(cli)

    assert status == 1
    assert failed(lines) == {
        f"publish channel {CHANNEL}": f"✗ publish channel {CHANNEL} — the bot cannot post in "
        f"{CHANNEL}: it is a member; make the bot an administrator of the channel with the "
        "right to post messages"
    }


async def test_a_municipality_without_a_group_is_named(cli: Cli, telegram: FakeTelegram) -> None:
    cli.env["STAFF_CHATS"] = f"Sliven:{SLIVEN_GROUP}"

    status, lines = await doctor(cli)

    assert status == 1
    assert failed(lines) == {
        "inbox routes": "✗ inbox routes — no group for Haskovo, nor a default group; "
        "add Haskovo:<chat id> or *:<chat id> to STAFF_CHATS"
    }


async def test_an_example_pseudonym_key_says_how_to_make_a_secret(
    cli: Cli, telegram: FakeTelegram
) -> None:
    cli.env["PSEUDONYM_KEY"] = "change-me-to-a-long-random-secret"

    status, lines = await doctor(cli)

    assert status == 1
    assert failed(lines) == {
        "pseudonym key": "✗ pseudonym key — PSEUDONYM_KEY still holds an example value; make a "
        "secret with `python3 -c 'import secrets; print(secrets.token_hex(32))'` and put it in "
        ".env as PSEUDONYM_KEY (pseudonyms already exported change with it)"
    }


async def test_a_bad_time_zone_is_reported_and_the_other_checks_still_run(
    cli: Cli, telegram: FakeTelegram
) -> None:
    cli.env["TIMEZONE"] = "Europe/Sofa"

    status, lines = await doctor(cli)

    assert status == 1
    assert failed(lines) == {
        "time zone": "✗ time zone — TIMEZONE: unknown time zone 'Europe/Sofa'; write a zone of "
        "the tz database in TIMEZONE, e.g. Europe/Sofia"
    }
    assert len(lines) == 13


async def test_a_telegram_that_cannot_be_reached_is_a_failed_check_not_a_traceback(
    cli: Cli,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cli.env.update({"TELEGRAM_API_URL": f"http://127.0.0.1:{port}", "BOT_TOKEN": BOT_TOKEN})

    status, lines = await doctor(cli)

    assert status == 1
    assert lines["bot token"].startswith(
        f"✗ bot token — cannot reach Telegram at http://127.0.0.1:{port}: TelegramNetworkError"
    )
    assert lines["bot token"].endswith(
        "; check the network (a firewall, a proxy?) and TELEGRAM_API_URL"
    )


async def test_an_old_schema_says_to_run_db_upgrade_and_is_left_as_it_is(tmp_path: Path) -> None:
    cli = cli_in(tmp_path, **HEALTHY)
    upgrade_database(cli.database_url, "0011")

    async with telegram_for(cli):
        status, lines = await doctor(cli)

    assert status == 1
    assert lines["database"] == (
        f"✗ database — the schema is at 0011; this version needs {newest_revision()}; run "
        "`feedback-admin db upgrade` (feedback-bot also does it when it starts)"
    )
    assert lines["publish channels"].startswith("✗ publish channels — not checked")
    engine = create_db_engine(cli.database_url)
    try:
        assert schema_revisions(engine)[0] == "0011"
    finally:
        engine.dispose()


async def test_a_missing_database_is_reported_and_not_created(tmp_path: Path) -> None:
    cli = cli_in(tmp_path, **HEALTHY)

    async with telegram_for(cli):
        status, lines = await doctor(cli)

    assert status == 1
    assert lines["database"].startswith(f"✗ database — no database at {tmp_path / 'feedback.db'}")
    assert not (tmp_path / "feedback.db").exists()


async def test_backups_older_than_two_days_say_to_look_at_the_bot_s_log(
    cli: Cli, telegram: FakeTelegram
) -> None:
    folder = cli.cwd / "backups"
    folder.mkdir()
    run = await run_cli(cli, "backup", "-o", str(folder / "civic-feedback-20200102T030000Z.zip"))
    assert run.returncode == 0, run.stderr
    cli.env["BACKUP_DIR"] = str(folder)

    status, lines = await doctor(cli)

    assert status == 1
    assert failed(lines) == {
        "backups": f"✗ backups — the newest backup is from 2020-01-02 03:00 UTC in {folder}; "
        "check that feedback-bot runs and look for backup_failed in its log; `feedback-admin "
        "backup -o FILE` takes one now"
    }
    assert lines["disk space"].endswith(f"; backups in {folder}")
