"""The ``matching outbox`` group: the participants' e-mails (``send``: send what is due now through the
configured SMTP server; ``list``: the messages with their status, tries and last error)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from matching.cli._app import HomeOption, err, errors, open_engine, out

__all__ = ["list_messages", "outbox_app", "send_due"]

outbox_app = typer.Typer(
    help="Participants' e-mails: send what is due, list the outbox.", no_args_is_help=True
)


@outbox_app.command("send")
def send_due(home: HomeOption = None) -> None:
    """Send every message due now (the service does this by itself every MATCHING_MAIL_EVERY seconds)."""
    engine = open_engine(home)
    try:
        with errors():
            report = engine.mailer.send_due()
            counts = engine.outbox.counts()
    finally:
        engine.close()
    if not report.configured:
        err.print(
            f"no mail server configured (set MATCHING_SMTP_HOST); {counts['queued']} message(s) stay queued"
        )
        raise typer.Exit(2)
    out.print(
        f"sent {report.sent}, to retry later {report.retrying}, failed {report.failed}; "
        f"still queued {counts['queued']}, held {counts['held']}, failed in all {counts['failed']}"
    )
    if report.failed or report.retrying:
        raise typer.Exit(1)


@outbox_app.command("list")
def list_messages(
    event: Annotated[str | None, typer.Option(help="Only this event's messages.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only messages in this status: held, queued, sending, sent, failed.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.", min=1)] = 50,
    home: HomeOption = None,
) -> None:
    """The outbox, newest first: id, event, kind, to, subject, status, tries, last error."""
    engine = open_engine(home)
    try:
        with errors():
            messages = engine.outbox.messages(event_id=event, status=status, limit=limit)
    finally:
        engine.close()
    table = Table("id", "event", "kind", "to", "subject", "status", "tries", "created (UTC)", "last error")
    for m in messages:
        table.add_row(
            str(m.message_id),
            m.event_id or "",
            m.kind,
            m.to_address,
            m.subject,
            m.status + (f" (next {m.next_try_at:%H:%M})" if m.status == "queued" and m.next_try_at else ""),
            str(m.attempts),
            f"{m.created_at:%Y-%m-%d %H:%M}",
            m.last_error or "",
        )
    out.print(table if messages else "the outbox is empty")
