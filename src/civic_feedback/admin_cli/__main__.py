"""``feedback-admin`` entry point: every failure is one line and a non-zero exit."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import SQLAlchemyError

from civic_feedback.admin_cli.app import app
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.flows.loader import FlowFileError
from civic_feedback.settings import SettingsError
from civic_feedback.storage.database import DatabaseUrlError

_errors = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> NoReturn:
    _errors.print(f"[red]error:[/red] {escape(message)}")
    sys.exit(code)


def main() -> None:
    try:
        app()
    except CliError as error:
        _fail(str(error), error.code)
    except (SettingsError, DatabaseUrlError) as error:
        _fail(str(error), 2)
    except FlowFileError as error:
        _errors.print(escape(str(error)))
        sys.exit(1)
    except SQLAlchemyError as error:
        reason = str(error.args[0]).splitlines()[0] if error.args else type(error).__name__
        _fail(f"cannot use the database: {reason}", 1)
    except OSError as error:
        _fail(f"{error.strerror}: {error.filename}", 1)


if __name__ == "__main__":
    main()
