"""Signing participants in: passwords (argon2), one-time codes by e-mail, and the lockout.

Rules:

- a password has at least :data:`MIN_PASSWORD` characters and is not the account's e-mail address; only
  its argon2 hash is stored (``argon2-cffi``; a hash made with weaker parameters is replaced at sign-in);
- a one-time code has 6 digits, is e-mailed through the outbox (``kind="code"``, sent at once), lives
  :data:`CODE_LIFETIME`, allows :data:`CODE_TRIES` tries, works once; only its SHA-256 is stored, and a new
  code makes the earlier ones void;
- :data:`MAX_FAILURES` failed sign-ins in a row for an address (password or code, known address or not)
  lock it for :data:`LOCKOUT`; the answer says until when;
- an unknown address, a disabled account, an account without a password and a wrong password all get
  the same answer (and cost the same argon2 check), so the sign-in form does not tell who has an account.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from matching.errors import ConfigError
from matching.store.accounts import Account, Accounts, digest, normal_email
from matching.store.outbox import Outbox
from matching.store.sign_ins import SignInRecords
from matching.store.tables import utc_now

if TYPE_CHECKING:
    from matching.app.engine import Engine

__all__ = [
    "CODE_LIFETIME",
    "CODE_TRIES",
    "DEMO_PASSWORD",
    "LOCKOUT",
    "MAX_FAILURES",
    "MIN_PASSWORD",
    "DemoLogin",
    "PasswordRejected",
    "SignInResult",
    "SignIns",
    "demo_logins",
]

MIN_PASSWORD = 10
MAX_PASSWORD = 1000  # argon2 takes any length; this only keeps a pasted novel out
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
CODE_LIFETIME = dt.timedelta(minutes=10)
CODE_TRIES = 5
CODE_COOLDOWN = dt.timedelta(seconds=60)  # one code e-mail an address a minute: no inbox flooding


class PasswordRejected(ConfigError):
    """A new password breaks a rule; ``reason`` is ``short``, ``long`` or ``email`` (for the page's text)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            {
                "short": f"a password needs at least {MIN_PASSWORD} characters",
                "long": f"a password has at most {MAX_PASSWORD} characters",
                "email": "a password must not be the e-mail address",
            }[reason]
        )


@dataclass(frozen=True)
class SignInResult:
    """The answer to a sign-in: the account (None: refused) and, when locked out, until when."""

    account: Account | None
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.account is not None


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash to check wrong addresses against, so they take as long as wrong passwords."""
    return hasher.hash(secrets.token_urlsafe(16))


def check_password_rules(password: str, email: str) -> None:
    """Raise :class:`PasswordRejected` if ``password`` may not be used for the account of ``email``."""
    if len(password) < MIN_PASSWORD:
        raise PasswordRejected("short")
    if len(password) > MAX_PASSWORD:
        raise PasswordRejected("long")
    if password.strip().lower() == normal_email(email):
        raise PasswordRejected("email")


def code_message(code: str) -> tuple[str, str]:
    """The one-time code e-mail (subject, text): Indonesian first, then English."""
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    subject = "Kode masuk Anda / Your sign-in code"
    body = (
        f"Kode masuk Anda: {code}\n\n"
        f"Kode ini berlaku {minutes} menit dan hanya bisa dipakai sekali. Bila Anda tidak meminta kode ini, "
        "abaikan e-mail ini.\n\n"
        "---\n\n"
        f"Your sign-in code: {code}\n\n"
        f"The code is valid for {minutes} minutes and works once. If you did not ask for it, ignore this "
        "e-mail.\n"
    )
    return subject, body


class SignIns:
    """Passwords, one-time codes and the lockout, over the accounts, sign-in records and outbox of a store."""

    def __init__(
        self,
        accounts: Accounts,
        records: SignInRecords,
        outbox: Outbox,
        *,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._accounts = accounts
        self._records = records
        self._outbox = outbox
        self._hasher = hasher or PasswordHasher()
        self._clock = clock

    # --- passwords --------------------------------------------------------------------------------------

    def hash_password(self, password: str, email: str) -> str:
        """The argon2 hash of a new password (:class:`PasswordRejected` if it breaks a rule)."""
        check_password_rules(password, email)
        return self._hasher.hash(password)

    def set_password(self, user_id: str, password: str | None) -> None:
        """Give the account a new password (None: one-time codes only)."""
        account = self._accounts.get(user_id)
        hashed = self.hash_password(password, account.email) if password is not None else None
        self._accounts.set_password_hash(user_id, hashed)

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            self._hasher.verify(stored or _dummy_hash(self._hasher), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return stored is not None

    def with_password(self, email: str, password: str) -> SignInResult:
        """Sign in with a password; refused alike for every reason but the lockout."""
        now = self._clock()
        locked = self._records.locked_until(email, now)
        if locked is not None:
            return SignInResult(None, locked)
        account = self._accounts.by_email(email)
        stored = self._accounts.password_hash(account.user_id) if account is not None else None
        matches = self._verify(stored, password[:MAX_PASSWORD])  # always one argon2 check: same time
        if account is None or not account.active or not matches:
            return self._failed(email, now)
        if stored is not None and self._hasher.check_needs_rehash(stored):
            self._accounts.set_password_hash(account.user_id, self._hasher.hash(password))
        self._records.succeeded(email)
        return SignInResult(account)

    # --- one-time codes ---------------------------------------------------------------------------------

    def send_code(self, email: str) -> dt.datetime | None:
        """E-mail a new code to an active account's address (nothing for an unknown one, nor within a minute
        of the last code: the page says the same). Returns the lockout's end instead when the address is
        locked out."""
        now = self._clock()
        locked = self._records.locked_until(email, now)
        if locked is not None:
            return locked
        account = self._accounts.by_email(email)
        if account is None or not account.active:
            return None
        last = self._records.last_code_at(account.email)
        if last is not None and now - last < CODE_COOLDOWN:
            return None  # the code sent a moment ago still works; the page says the same either way
        code = f"{secrets.randbelow(10**6):06d}"
        self._records.add_code(account.email, digest(code), now, now + CODE_LIFETIME)
        subject, body = code_message(code)
        self._outbox.enqueue(
            kind="code", to_address=account.email, to_user_id=account.user_id, subject=subject, body_text=body
        )
        return None

    def with_code(self, email: str, code: str) -> SignInResult:
        """Sign in with the e-mailed code."""
        now = self._clock()
        locked = self._records.locked_until(email, now)
        if locked is not None:
            return SignInResult(None, locked)
        typed = "".join(ch for ch in code if ch.isdigit())
        check = self._records.use_code(email, digest(typed), now, max_tries=CODE_TRIES)
        account = self._accounts.by_email(email) if check == "ok" else None
        if account is None or not account.active:
            return self._failed(email, now)
        self._records.succeeded(email)
        return SignInResult(account)

    def _failed(self, email: str, now: dt.datetime) -> SignInResult:
        locked = self._records.failed(email, now, limit=MAX_FAILURES, lockout=LOCKOUT)
        return SignInResult(None, locked)


# --- demo logins ------------------------------------------------------------------------------------------

DEMO_PASSWORD = "demo-anyaman-2026"


@dataclass(frozen=True)
class DemoLogin:
    """A participant login of the demo event, printed by ``matching demo``."""

    kind: str
    participant_id: str
    name: str
    email: str
    password: str
    event_id: str


def demo_logins(engine: Engine) -> list[DemoLogin]:
    """Store the bundled demo event (once) and give its first buyer and first IKM an account with the demo
    password: the same logins on every run (an account that exists gets the demo password back)."""
    from matching.app.engine import demo_data_dir

    source = (demo_data_dir() / "event.yaml").read_text(encoding="utf-8")
    name = engine.events.parse(source).name
    stored = next((r for r in engine.events.all() if r.name == name), None)
    event_id = stored.event_id if stored is not None else engine.events.create(source).event_id
    names = engine.events.people().names
    logins = []
    for kind in ("buyer", "ikm"):
        members = sorted(engine.participation.members(event_id, kind))
        if not members:
            continue
        pid, email = members[0], f"demo.{kind}@peserta.example"
        account = engine.accounts.by_email(email)
        if account is None:
            person = "Demo Pembeli" if kind == "buyer" else "Demo IKM"
            account = engine.accounts.create(email, person, "buyer" if kind == "buyer" else "ikm", pid)
        engine.sign_ins.set_password(account.user_id, DEMO_PASSWORD)
        logins.append(
            DemoLogin(
                kind,
                account.participant_id,
                names.get(account.participant_id, pid),
                email,
                DEMO_PASSWORD,
                event_id,
            )
        )
    return logins
