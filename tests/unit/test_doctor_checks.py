"""What the doctor concludes from what it found: the checks that need no Telegram or database
(those are run in tests/integration/test_doctor.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from civic_feedback.admin_cli.doctor_checks import (
    MIN_FREE_BYTES,
    PENDING_LIMIT,
    Check,
    backups_check,
    disk_space_check,
    inbox_routes_check,
    pending_check,
    read_settings,
    rollups_check,
    setting_checks,
    webhook_check,
)
from civic_feedback.settings import Settings
from civic_feedback.storage.rollups import RollupState


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_a_line_is_the_mark_the_name_what_was_found_and_what_to_do() -> None:
    assert Check("webhook", True, "none").line() == "✓ webhook — none"
    assert Check("x", False, "broken", "mend it").line() == "✗ x — broken; mend it"


# --- settings ---------------------------------------------------------------------------


def test_unreadable_settings_are_each_reported_and_their_defaults_assumed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIMEZONE", "Europe/Sofa")
    monkeypatch.setenv("STAFF_CHATS", "Sliven")
    monkeypatch.setenv("MUNICIPALITIES", "Sliven")

    read, problems = read_settings(_env_file=None)

    assert set(problems) == {"TIMEZONE", "STAFF_CHATS"}
    assert problems["TIMEZONE"].startswith("unknown time zone 'Europe/Sofa'")
    assert (read.timezone, read.staff_chats, read.municipalities) == (
        "Europe/Sofia",
        [],
        ["Sliven"],
    )
    (staff,) = setting_checks(problems)  # the time zone has a check of its own
    assert staff.check == "setting STAFF_CHATS"
    assert not staff.ok


# --- where the inbox goes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("municipalities", "staff_chats", "ok", "says"),
    [
        ("", "", False, "STAFF_CHATS names no staff group"),
        ("Sliven,Haskovo", "Sliven:-1001", False, "no group for Haskovo, nor a default group"),
        ("Sliven", "Sliven:-1001", True, "1 municipality has a group of its own"),
        ("Sliven", "Slivem:-1001,*:-1009", False, "STAFF_CHATS names Slivem, not in"),
        ("", "-1009", True, "every message goes to the default group"),
        ("Sliven,Haskovo", "*:-1009", True, "every message goes to the default group"),
        ("Sliven,Haskovo", "Sliven:-1,Haskovo:-2,*:-9", True, "2 municipalities have groups"),
    ],
)
def test_every_municipality_needs_a_group(
    municipalities: str, staff_chats: str, ok: bool, says: str
) -> None:
    check = inbox_routes_check(settings(municipalities=municipalities, staff_chats=staff_chats))

    assert check.ok is ok
    assert says in check.detail
    assert (check.advice is None) is ok


# --- Telegram's answers ---------------------------------------------------------------------


def test_the_webhook_must_be_webhook_url_or_none_when_polling() -> None:
    url = "https://feedback.example.org/telegram"
    assert webhook_check(url, url).ok
    assert webhook_check(None, "").ok
    assert not webhook_check(url, "").ok
    assert "Telegram has no webhook" in webhook_check(url, "").detail
    assert not webhook_check(url, "https://old.example.org/hook").ok
    assert not webhook_check(None, url).ok


def test_many_pending_updates_fail_and_show_telegram_s_last_delivery_error() -> None:
    assert pending_check(PENDING_LIMIT - 1, None).ok
    check = pending_check(PENDING_LIMIT, "Connection refused")

    assert not check.ok
    assert check.detail.endswith("Telegram's last delivery error: Connection refused")


# --- the disk ---------------------------------------------------------------------------


def test_a_nearly_full_disk_fails_with_the_space_to_free(tmp_path: Path) -> None:
    (tmp_path / "feedback.db").write_bytes(b"x" * 1000)
    url = f"sqlite:///{tmp_path / 'feedback.db'}"

    roomy = disk_space_check(url, free_bytes=lambda _: 5 * MIN_FREE_BYTES)
    full = disk_space_check(url, free_bytes=lambda _: MIN_FREE_BYTES // 2)

    assert roomy.ok
    assert roomy.detail == (
        f"5.0 GB free in {tmp_path} (the database: 1000 bytes); backups are not configured"
    )
    assert not full.ok
    assert full.advice is not None
    assert full.advice.startswith("free at least 1.0 GB")


def test_postgresql_s_disk_is_on_its_server() -> None:
    check = disk_space_check("postgresql+psycopg://feedback@db.example.org/feedback")

    assert check.ok
    assert "check its disk there" in check.detail


def test_the_disk_check_names_the_backup_folder_when_backups_are_on(tmp_path: Path) -> None:
    (tmp_path / "feedback.db").write_bytes(b"x" * 1000)
    url = f"sqlite:///{tmp_path / 'feedback.db'}"

    check = disk_space_check(url, lambda _: 5 * MIN_FREE_BYTES, backup_dir=Path("/srv/backups"))

    assert check.detail.endswith("(the database: 1000 bytes); backups in /srv/backups")


# --- the backups ------------------------------------------------------------------------

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def backup_taken(folder: Path, moment: datetime) -> None:
    (folder / f"civic-feedback-{moment:%Y%m%dT%H%M%SZ}.zip").write_bytes(b"PK")


def test_backups_switched_off_pass_and_say_so() -> None:
    check = backups_check(None, NOW)

    assert check.ok
    assert check.detail == "off: BACKUP_DIR is not set, the bot takes no backups"


def test_a_backup_from_last_night_passes(tmp_path: Path) -> None:
    backup_taken(tmp_path, NOW - timedelta(hours=15))

    check = backups_check(tmp_path, NOW)

    assert check.ok
    assert check.detail == f"the newest in {tmp_path} is from 2026-12-03 03:00 UTC"


@pytest.mark.parametrize(
    ("newest", "found"),
    [
        (None, "no backup yet"),
        (NOW - timedelta(days=2, minutes=1), "the newest backup is from 2026-12-01 17:59 UTC"),
    ],
)
def test_no_backup_for_two_days_fails_and_says_where_to_look(
    tmp_path: Path, newest: datetime | None, found: str
) -> None:
    if newest is not None:
        backup_taken(tmp_path, newest)
    (tmp_path / "civic-feedback-20261203T170000Z.zip.partial").write_bytes(b"PK")  # not done

    check = backups_check(tmp_path, NOW)

    assert not check.ok
    assert check.detail == f"{found} in {tmp_path}"
    assert check.advice is not None
    assert "look for backup_failed in its log" in check.advice


def test_a_missing_or_read_only_backup_folder_fails(tmp_path: Path) -> None:
    backup_taken(tmp_path, NOW)

    missing = backups_check(tmp_path / "nowhere", NOW)
    read_only = backups_check(tmp_path, NOW, writable=lambda _: False)

    assert not missing.ok
    assert missing.advice == (
        f"create it (mkdir -p {tmp_path / 'nowhere'}) and let the bot's user write in it"
    )
    assert not read_only.ok
    assert read_only.detail == f"BACKUP_DIR {tmp_path} is not writable by this user"


def test_roll_ups_fail_when_the_bot_has_fallen_behind_or_the_time_zone_changed() -> None:
    rolled = RollupState("Europe/Sofia", 700, 22, date(2025, 1, 1), date(2026, 12, 1), None)

    behind = rollups_check(rolled, 40, "Europe/Sofia")
    moved = rollups_check(rolled, 0, "Europe/Istanbul")
    fine = rollups_check(rolled, 2, "Europe/Sofia")
    empty = rollups_check(RollupState(None, 0, 0, None, None, None), 0, "Europe/Sofia")

    assert not behind.ok
    assert "40 settled days are not rolled up" in behind.detail
    assert behind.advice is not None
    assert "feedback-admin rollups rebuild" in behind.advice
    assert not moved.ok
    assert "TIMEZONE is Europe/Istanbul" in moved.detail
    assert fine.line() == "✓ roll-ups — 700 days rolled up, the last 2026-12-01"
    assert empty.ok
