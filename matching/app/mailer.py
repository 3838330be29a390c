"""Sending the outbox's e-mails through the configured SMTP server (standard library ``smtplib``).

:class:`Mailer` claims the due messages (:meth:`~matching.store.outbox.Outbox.claim_due`), sends each as a
multipart e-mail (plain text, plus HTML when the message has it) over one connection, and records every try:
a message the server took is ``sent``; a temporary refusal (4xx) or a connection problem is tried again
after the outbox's backoff (1, 5, 15, 60 minutes) and ``failed`` after the fifth try; a permanent refusal
(5xx) fails at once. With no mail server configured (``MATCHING_SMTP_HOST`` unset) nothing is claimed:
messages stay queued until one is.

:class:`MailSender` is the service's background thread: it runs the mailer every ``MATCHING_MAIL_EVERY``
seconds and as soon as it is woken (:meth:`MailSender.wake`, called when a message is queued).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from matching.config import Settings
from matching.store.outbox import Message, Outbox

__all__ = ["MailSender", "Mailer", "SendReport", "build_email"]

log = logging.getLogger(__name__)
TIMEOUT_S = 30.0


@dataclass
class SendReport:
    """What one mailer run did: messages sent, tried again later, failed for good."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    configured: bool = True

    @property
    def tried(self) -> int:
        return self.sent + self.retrying + self.failed


def build_email(message: Message, sender: str) -> EmailMessage:
    """The e-mail of an outbox message: text, with the HTML as its alternative when there is one."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(f"outbox-{message.message_id}", domain=domain)
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _error_text(exc: BaseException) -> tuple[str, bool]:
    """(what went wrong in one line, whether it is permanent: the server refused with a 5xx code)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(exc.recipients.values()))
        text = answer.decode(errors="replace")
        return f"{code} {text}", code >= 500
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {text}", exc.smtp_code >= 500
    return f"{type(exc).__name__}: {exc}", False


class Mailer:
    """Sends the due messages of ``outbox`` through the SMTP server of ``settings``."""

    def __init__(self, outbox: Outbox, settings: Settings) -> None:
        self._outbox = outbox
        self._settings = settings

    @property
    def configured(self) -> bool:
        """Whether a mail server is configured (else messages stay queued)."""
        return bool(self._settings.smtp_host)

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        host = s.smtp_host or ""
        if s.smtp_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, s.smtp_port or 465, timeout=TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, s.smtp_port or (587 if s.smtp_starttls else 25), timeout=TIMEOUT_S)
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
        if s.smtp_username and s.smtp_password:
            smtp.login(s.smtp_username, s.smtp_password)
        return smtp

    def send_due(self, *, limit: int = 50, now: dt.datetime | None = None) -> SendReport:
        """Send every message due at ``now`` (default: now), ``limit`` claimed at a time; what happened."""
        report = SendReport(configured=self.configured)
        if not report.configured:
            return report
        while True:
            batch = self._outbox.claim_due(limit=limit, now=now)
            if not batch:
                return report
            self._send_batch(batch, report, now)

    def _record_failure(
        self, message: Message, exc: BaseException, report: SendReport, now: dt.datetime | None
    ) -> None:
        error, permanent = _error_text(exc)
        after = self._outbox.failed_try(message.message_id, error, permanent=permanent, now=now)
        log.warning("e-mail %s to %s not sent: %s", message.message_id, message.to_address, error)
        if after.status == "failed":
            report.failed += 1
        else:
            report.retrying += 1

    def _send_batch(self, batch: list[Message], report: SendReport, now: dt.datetime | None) -> None:
        smtp: smtplib.SMTP | None = None
        try:
            for i, message in enumerate(batch):
                try:
                    smtp = smtp or self._connect()
                except (OSError, smtplib.SMTPException) as exc:  # unreachable: a failed try for the rest
                    for rest in batch[i:]:
                        self._record_failure(rest, exc, report, now)
                    return
                try:
                    refused = smtp.send_message(build_email(message, self._settings.mail_from))
                except (OSError, smtplib.SMTPException) as exc:
                    self._record_failure(message, exc, report, now)
                    if not isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
                        smtp.close()
                        smtp = None  # the connection broke (the server answered otherwise): connect again
                    continue
                if refused:  # one recipient only: refused means it failed
                    self._record_failure(message, smtplib.SMTPRecipientsRefused(refused), report, now)
                    continue
                self._outbox.sent(message.message_id, "250 accepted", now=now)
                report.sent += 1
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()


class MailSender:
    """A daemon thread running ``mailer.send_due()`` every ``every`` seconds and whenever woken."""

    def __init__(self, mailer: Mailer, every: float) -> None:
        self._mailer = mailer
        self._every = every
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="matching-mail", daemon=True)
        self.runs = 0  # finished runs (tests wait on it)

    def start(self) -> MailSender:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Run as soon as possible (a message was queued)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self._mailer.send_due()
                if report.tried:
                    log.info(
                        "mail run: %d sent, %d to retry, %d failed",
                        report.sent,
                        report.retrying,
                        report.failed,
                    )
            except Exception:  # the next run tries again; the thread never dies of one bad run
                log.exception("the mail run failed")
            self.runs += 1
            self._wake.wait(self._every)
            self._wake.clear()
