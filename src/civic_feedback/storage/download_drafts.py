"""Files made from what the console's page sent, kept briefly for a download link: the page
cannot put a 64 KB form into a link, so the link names a draft kept here, for the staff
member it was made for only, until it expires. Any replica can serve the link."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from civic_feedback.storage.models import DownloadDraft

DRAFT_LIFETIME = timedelta(minutes=2)  # the link's minute, and the minute it is made in


def keep_draft(session: Session, telegram_id: int, name: str, body: bytes, now: datetime) -> str:
    """Keep ``body`` as ``name`` for ``telegram_id`` until ``now`` + DRAFT_LIFETIME; its id.
    Drafts already expired are deleted first."""
    session.execute(delete(DownloadDraft).where(col(DownloadDraft.expires_at) <= now))
    draft = DownloadDraft(
        id=secrets.token_urlsafe(16),
        telegram_id=telegram_id,
        name=name,
        body=body,
        expires_at=now + DRAFT_LIFETIME,
    )
    session.add(draft)
    return draft.id


def draft_for(
    session: Session, draft_id: str, telegram_id: int, now: datetime
) -> DownloadDraft | None:
    """The draft, if it was kept for ``telegram_id`` and has not expired at ``now``."""
    kept = select(DownloadDraft).where(
        DownloadDraft.id == draft_id,
        DownloadDraft.telegram_id == telegram_id,
        col(DownloadDraft.expires_at) > now,
    )
    return session.exec(kept).first()
