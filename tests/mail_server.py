"""A real SMTP server for tests (aiosmtpd on a free local port) that keeps what it receives.

``with local_smtp() as server:`` gives :class:`LocalSmtp`: ``server.port``, ``server.messages`` (each an
:class:`email.message.EmailMessage`, in arrival order, its subject unfolded) and ``server.refuse``
(answers to give the next messages instead of accepting them, e.g. ``["451 4.3.0 try later"]``; each is
used once).
"""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["LocalSmtp", "local_smtp"]


class LocalSmtp:
    """The handler of the server and what the test reads of it."""

    def __init__(self) -> None:
        self.port = 0
        self.messages: list[EmailMessage] = []
        self.refuse: list[str] = []
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.refuse:
                self.refused += 1
                return self.refuse.pop(0)
            message = email.message_from_bytes(envelope.content, policy=default)
            assert isinstance(message, EmailMessage)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            subject = str(message["Subject"] or "")
            del message["Subject"]  # a long subject is folded before its first word: read it unfolded
            message["Subject"] = subject.strip()
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages delivered to ``address``."""
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_smtp() -> Iterator[LocalSmtp]:
    """Run an SMTP server on 127.0.0.1 (a free port) for the ``with`` block."""
    handler = LocalSmtp()
    handler.port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()
