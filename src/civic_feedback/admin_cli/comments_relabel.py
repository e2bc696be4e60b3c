"""``feedback-admin comments relabel``: detect the language of every stored comment again.

Run it after an upgrade that improved the detector. One transaction per batch: an
interrupted run keeps what it did and says where to go on (``--after``); a second run changes
nothing. The changes, counted from what to what, go in the audit log.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.admin_cli.database import open_sessions
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.core.text_language import LanguageDetector
from civic_feedback.services.comment_languages import Relabelling, relabel_batch
from civic_feedback.settings import load_settings
from civic_feedback.storage import audit

console = Console(highlight=False)
_progress = Console(stderr=True, highlight=False)


def relabel(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would change; change nothing.")
    ] = False,
    after: Annotated[
        int,
        typer.Option(
            "--after", min=0, help="Start after this answer number (to go on after a stop)."
        ),
    ] = 0,
    size: Annotated[int, typer.Option("--batch", min=1, help="Answers per transaction.")] = 1000,
) -> None:
    """Detect the language of every stored comment again and store the ones that changed."""
    settings = load_settings()
    detector = LanguageDetector(settings.languages)
    progress = Relabelling(last_id=after)
    with open_sessions(settings) as sessions:
        try:
            while True:
                with sessions.begin() as session:
                    batch = relabel_batch(
                        session, detector, after_id=progress.last_id, size=size, write=not dry_run
                    )
                if not batch.checked:
                    break
                progress.add(batch)  # committed: counted
                verb = "would change" if dry_run else "changed"
                _progress.print(f"… answers up to #{progress.last_id}: {progress.changed} {verb}")
        except KeyboardInterrupt:
            if not dry_run:
                _record(sessions, progress, after)
            raise CliError(
                f"stopped: answers up to #{progress.last_id} are done; go on with "
                f"`feedback-admin comments relabel --after {progress.last_id}`",
                code=130,
            ) from None
        if not dry_run:
            _record(sessions, progress, after)
    _summary(progress, dry_run)


def _record(sessions: sessionmaker[Session], progress: Relabelling, after: int) -> None:
    changes = {f"{old or 'none'}->{new}": count for (old, new), count in progress.changes.items()}
    with sessions.begin() as session:
        audit.record(
            session,
            audit.cli_actor(),
            "comments_relabel",
            None,
            after=after,
            last=progress.last_id,
            checked=progress.checked,
            changes=changes,
        )


def _summary(progress: Relabelling, dry_run: bool) -> None:
    verb = "would change" if dry_run else "changed"
    console.print(
        f"{progress.checked} comments checked; {progress.changed} {verb} language"
        + (" (dry run: nothing was written)." if dry_run else ".")
    )
    if not progress.changes:
        return
    table = Table("from", "to", "comments")
    for (old, new), count in sorted(progress.changes.items(), key=lambda item: -item[1]):
        table.add_row(old or "none", new, str(count))
    console.print(table)
