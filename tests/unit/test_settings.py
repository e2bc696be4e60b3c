"""Settings from the environment, and the refusals that tell an operator what to fix.

Every test starts from an environment without any of the project's variables and in an
empty working directory, so neither the real environment nor a ``.env`` file leaks in.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from civic_feedback.settings import Settings, SettingsError, load_settings

GOOD_TOKEN = "123456:AAH-real_looking_token"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


def settings_error(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> str:
    """The message load_settings gives for one bad variable, checked to be one line."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- defaults and lists ------------------------------------------------------------------


def test_defaults_follow_the_documented_runtime_contract() -> None:
    settings = Settings(_env_file=None)

    assert settings.bot_token is None
    assert settings.database_url == "sqlite:///./feedback.db"
    assert settings.admin_ids == []
    assert settings.timezone == "Europe/Sofia"
    assert settings.default_language == "bg"
    assert settings.broadcast_rate == 25
    assert settings.languages == ["bg", "en", "tr"]
    assert settings.post_event_delay == timedelta(minutes=30)
    assert settings.followup_delay == timedelta(hours=48)
    assert settings.retention_days is None
    assert settings.metrics_host == "127.0.0.1"
    assert settings.metrics_port is None  # no metrics listener unless asked for
    assert (settings.backup_dir, settings.backup_keep) == (None, 14)


def test_comma_separated_lists_are_read_with_spaces_around_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1, 2")
    monkeypatch.setenv("LANGUAGES", "en , tr")
    monkeypatch.setenv("MUNICIPALITIES", "Sofia, Plovdiv,,Varna")

    settings = Settings(_env_file=None)

    assert settings.admin_ids == [1, 2]
    assert settings.languages == ["en", "tr"]
    assert settings.municipalities == ["Sofia", "Plovdiv", "Varna"]


def test_an_empty_admin_list_means_no_admins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "")

    assert Settings(_env_file=None).admin_ids == []


def test_interface_language_falls_back_to_the_first_offered_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANGUAGES", "en,tr")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "bg")

    assert Settings(_env_file=None).interface_language == "en"


def test_an_unsupported_language_is_refused_naming_languages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = settings_error(monkeypatch, "LANGUAGES", "bg,de")

    assert message.startswith("LANGUAGES: ")


def test_a_non_numeric_admin_id_is_refused_naming_admin_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = settings_error(monkeypatch, "ADMIN_IDS", "1, @maria")

    assert message.startswith("ADMIN_IDS: ")


@pytest.mark.parametrize("port", ["0", "70000", "ninety"])
def test_a_metrics_port_that_is_no_port_is_refused_naming_metrics_port(
    monkeypatch: pytest.MonkeyPatch, port: str
) -> None:
    message = settings_error(monkeypatch, "METRICS_PORT", port)

    assert message.startswith("METRICS_PORT: ")


# --- broadcast rate and paid broadcasts -------------------------------------------------


def test_a_broadcast_rate_above_telegrams_free_30_is_refused_unless_paid_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = settings_error(monkeypatch, "BROADCAST_RATE", "31")

    assert message == (
        "BROADCAST_RATE=31 is above the 30 messages a second Telegram allows for free: lower it "
        "to 30 or less, or set PAID_BROADCAST=true to pay for faster broadcasts in Telegram Stars"
    )


def test_paid_broadcasts_go_up_to_1000_a_second_while_the_rest_keeps_a_free_pace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAID_BROADCAST", "true")
    monkeypatch.setenv("BROADCAST_RATE", "1000")

    settings = load_settings()

    assert (settings.broadcast_rate, settings.free_rate) == (1000, 25)
    assert settings.paid_broadcast_stars_per_message == Decimal("0.1")  # Telegram's price
    assert Settings(_env_file=None, broadcast_rate=20).free_rate == 20
    assert settings_error(monkeypatch, "BROADCAST_RATE", "1001").startswith("BROADCAST_RATE: ")


# --- durations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "meaning"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
    ],
)
def test_durations_are_written_with_a_unit(
    monkeypatch: pytest.MonkeyPatch, written: str, meaning: timedelta
) -> None:
    monkeypatch.setenv("POST_EVENT_DELAY", written)
    monkeypatch.setenv("FOLLOWUP_DELAY", written)

    settings = load_settings()

    assert settings.post_event_delay == meaning
    assert settings.followup_delay == meaning


@pytest.mark.parametrize("variable", ["POST_EVENT_DELAY", "FOLLOWUP_DELAY"])
def test_a_duration_with_an_unknown_unit_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    message = settings_error(monkeypatch, variable, "10x")

    assert message.startswith(f"{variable}: ")
    assert "'10x'" in message
    assert "15m" in message  # an example of what to write


# --- time zone ---------------------------------------------------------------------------


def test_a_known_time_zone_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMEZONE", "Europe/Istanbul")

    settings = load_settings()

    assert settings.zone.key == "Europe/Istanbul"


@pytest.mark.parametrize("zone", ["Europe/Sofiya", "Mars/Olympus_Mons", "../etc/passwd"])
def test_an_unknown_time_zone_is_refused_in_one_line_naming_timezone(
    monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    message = settings_error(monkeypatch, "TIMEZONE", zone)

    assert message.startswith("TIMEZONE: ")
    assert "Europe/Sofia" in message  # an example of a good one


# --- logs --------------------------------------------------------------------------------


def test_log_level_is_read_in_any_case_and_a_wrong_one_names_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert load_settings(_env_file=None).log_level == "DEBUG"

    message = settings_error(monkeypatch, "LOG_LEVEL", "loud")

    assert message == "LOG_LEVEL: choose among DEBUG, INFO, WARNING, ERROR"


# --- backups -----------------------------------------------------------------------------


def test_backups_keep_at_least_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKUP_DIR", "/srv/feedback/backups")
    monkeypatch.setenv("BACKUP_KEEP", "30")
    settings = load_settings(_env_file=None)
    assert (settings.backup_dir, settings.backup_keep) == (Path("/srv/feedback/backups"), 30)

    message = settings_error(monkeypatch, "BACKUP_KEEP", "0")

    assert message == "BACKUP_KEEP: Input should be greater than or equal to 1"


# --- the bot token -----------------------------------------------------------------------


def test_a_missing_bot_token_is_refused_saying_where_to_get_one() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None).require_bot_token()

    message = str(caught.value)
    assert "BOT_TOKEN" in message
    assert "@BotFather" in message
    assert ".env" in message


@pytest.mark.parametrize("token", ["", "   ", "12345", "abc:def", "123456:", ":AAH-xyz"])
def test_a_malformed_bot_token_is_refused_saying_what_to_do(token: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None, bot_token=token).require_bot_token()

    message = str(caught.value)
    assert "BOT_TOKEN" in message
    assert "@BotFather" in message


@pytest.mark.parametrize(
    "token",
    ["change-me", "123456:your-token-here", "123456:CHANGE_ME", "123456:example"],
)
def test_a_placeholder_bot_token_is_refused_saying_what_to_do(token: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None, bot_token=token).require_bot_token()

    message = str(caught.value)
    assert "BOT_TOKEN" in message
    assert "@BotFather" in message
    assert token not in message  # a real token pasted by mistake is not echoed


def test_a_real_looking_bot_token_is_accepted() -> None:
    settings = Settings(_env_file=None, bot_token=f"  {GOOD_TOKEN} ")

    assert settings.require_bot_token() == GOOD_TOKEN


def test_the_bot_token_never_appears_in_the_settings_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("PSEUDONYM_KEY", "0123456789abcdef0123456789abcdef")

    settings = load_settings()

    for shown in (repr(settings), str(settings), repr(settings.model_dump())):
        assert "AAH-real_looking_token" not in shown
        assert "0123456789abcdef" not in shown


# --- the pseudonym key -------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [None, "", "short-secret", "change-me-please-change-me", "your-secret-key-here-xxxxxx"],
)
def test_a_short_or_placeholder_pseudonym_key_is_refused_saying_how_to_make_one(
    key: str | None,
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None, pseudonym_key=key).require_pseudonym_key()

    message = str(caught.value)
    assert "PSEUDONYM_KEY" in message
    assert "secrets.token_hex" in message


def test_a_long_random_pseudonym_key_is_accepted_as_bytes() -> None:
    key = "8f3b2c1d9e7a6b5c4d3e2f1a0b9c8d7e"

    assert Settings(_env_file=None, pseudonym_key=key).require_pseudonym_key() == key.encode()


# --- .env --------------------------------------------------------------------------------


def test_load_settings_reads_dot_env_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIMEZONE=Europe/Istanbul\nADMIN_IDS=7,8\n", encoding="utf-8")

    settings = load_settings()

    assert settings.timezone == "Europe/Istanbul"
    assert settings.admin_ids == [7, 8]


def test_the_environment_wins_over_dot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("TIMEZONE=Europe/Istanbul\n", encoding="utf-8")
    monkeypatch.setenv("TIMEZONE", "Europe/Sofia")

    assert load_settings().timezone == "Europe/Sofia"


# --- the feedback-bot command ------------------------------------------------------------


def feedback_bot(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed feedback-bot, in an empty folder, with only ``env`` set."""
    script = Path(sys.executable).with_name("feedback-bot")
    command = str(script) if script.exists() else shutil.which("feedback-bot")
    assert command is not None, "feedback-bot is not installed"
    return run_alone([command], tmp_path, env)


def run_alone(
    command: list[str], tmp_path: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``command`` in an empty folder, with only ``env`` (and PATH) set."""
    return subprocess.run(
        command,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", os.defpath), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [{}, {"BOT_TOKEN": "123456:your-token-here"}, {"BOT_TOKEN": "change-me"}],
    ids=["no-token", "placeholder-token", "malformed-token"],
)
def test_feedback_bot_without_a_usable_token_prints_one_line_about_bot_token(
    tmp_path: Path, env: dict[str, str]
) -> None:
    run = feedback_bot(tmp_path, env)

    assert run.returncode != 0
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert "BOT_TOKEN" in run.stderr
    assert not (tmp_path / "feedback.db").exists()  # refused before touching the database


# Never the public Bot API: should the bot get as far as the network, it meets a closed port.
NO_NETWORK = {"TELEGRAM_API_URL": "http://127.0.0.1:9"}
GOOD_KEY = "8f3b2c1d9e7a6b5c4d3e2f1a0b9c8d7e"


BAD_SETTINGS = pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"BOT_TOKEN": GOOD_TOKEN}, "PSEUDONYM_KEY"),
        ({"BOT_TOKEN": GOOD_TOKEN, "PSEUDONYM_KEY": GOOD_KEY, "TIMEZONE": "Mars/Base"}, "TIMEZONE"),
        (
            {"BOT_TOKEN": GOOD_TOKEN, "PSEUDONYM_KEY": GOOD_KEY, "DATABASE_URL": "not a url"},
            "DATABASE_URL",
        ),
        (
            {"BOT_TOKEN": GOOD_TOKEN, "PSEUDONYM_KEY": GOOD_KEY, "WEBHOOK_URL": "https://x.org/h"},
            "WEBHOOK_SECRET",
        ),
        (
            {"BOT_TOKEN": GOOD_TOKEN, "PSEUDONYM_KEY": GOOD_KEY, "BROADCAST_RATE": "100"},
            "lower it to 30 or less, or set PAID_BROADCAST=true",
        ),
    ],
    ids=[
        "no-pseudonym-key",
        "unknown-timezone",
        "malformed-database-url",
        "webhook-no-secret",
        "rate-above-free-unpaid",
    ],
)


@BAD_SETTINGS
def test_feedback_bot_with_a_bad_setting_prints_one_line_naming_it(
    tmp_path: Path, env: dict[str, str], names: str
) -> None:
    run = feedback_bot(tmp_path, {**NO_NETWORK, **env})

    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert names in run.stderr
    assert GOOD_TOKEN not in run.stderr


# feedback-bot's main() with the environment as it is: its refusal, and whether aiogram was
# loaded by then.
_REFUSED_BEFORE_AIOGRAM = """
import sys
from civic_feedback.bot.__main__ import main
try:
    main([])
except SystemExit as refusal:
    print(refusal.code, file=sys.stderr)
    print("aiogram loaded" if "aiogram" in sys.modules else "aiogram not loaded")
"""


@BAD_SETTINGS
def test_a_bad_setting_is_told_before_aiogram_takes_its_seconds_to_load(
    tmp_path: Path, env: dict[str, str], names: str
) -> None:
    run = run_alone(
        [sys.executable, "-c", _REFUSED_BEFORE_AIOGRAM], tmp_path, {**NO_NETWORK, **env}
    )

    assert names in run.stderr
    assert run.stdout.strip() == "aiogram not loaded"


def test_feedback_bot_with_its_metrics_port_in_use_prints_one_line_naming_it(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"BOT_TOKEN": GOOD_TOKEN, "PSEUDONYM_KEY": GOOD_KEY, "METRICS_PORT": str(port)}

        run = feedback_bot(tmp_path, {**NO_NETWORK, **env})

    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines()[-1] == (
        f"feedback-bot: METRICS_PORT: cannot listen on 127.0.0.1:{port} (in use); choose "
        "another port, or leave METRICS_PORT empty for no metrics listener"
    )
