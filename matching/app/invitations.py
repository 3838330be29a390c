"""Bringing participants in: invitations by e-mail, and self-registration the organiser approves.

- The organiser invites a buyer or IKM of an event (the catalogue's contact address, or one typed in; an
  IKM may have several staff users, each with an invitation of their own). The link
  ``<base>/invite/<token>`` holds a random single-use token; only its SHA-256 is stored; it expires after
  :data:`INVITATION_DAYS` days, or when the organiser revokes it.
- Accepting asks for a name and a password (or none: one-time codes by e-mail), creates the account, or
  completes the existing account of that address, and uses the invitation up.
- When an event's registration is ``approval``, a visitor names company, name, address and side, and
  picks its catalogue entry or describes a new one. Approving creates the catalogue record if needed,
  adds it to the event if the event lists its participants, makes the account and sends an invitation.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from matching.catalogue.schema import IKM, Buyer, Entity
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.event_files import event_yaml
from matching.store.accounts import Account, AccountKind, Accounts, digest, normal_email
from matching.store.invitations import Invitation, InvitationRecords, Registration
from matching.store.outbox import Outbox
from matching.store.tables import utc_now

if TYPE_CHECKING:
    from matching.app.accounts import SignIns
    from matching.app.events import EventRecord, Events
    from matching.app.participation import Participation
    from matching.store.database import Store

__all__ = [
    "INVITATION_DAYS",
    "InvitationClosed",
    "InvitationView",
    "Invitations",
    "ParticipantEntry",
]

INVITATION_DAYS = 14
KINDS = ("buyer", "ikm")


class InvitationClosed(ConflictError):
    """An invitation link that no longer works: ``status`` is ``used``, ``expired``, ``revoked`` or
    ``unknown``."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(f"the invitation is {status}")


@dataclass(frozen=True)
class InvitationView:
    """What the invitation page shows: the invitation, its status, the event and who is invited."""

    invitation: Invitation
    status: str
    record: EventRecord
    participant_name: str
    account: Account | None  # the address's existing account, if any


@dataclass(frozen=True)
class ParticipantEntry:
    """One buyer or IKM of an event on the organiser's participants page."""

    kind: str
    participant_id: str
    name: str
    contact_email: str | None
    accounts: list[Account]
    invitations: list[Invitation]  # newest first

    def invitation_status(self, now: dt.datetime) -> str | None:
        return self.invitations[0].status(now) if self.invitations else None


def invitation_message(
    record: EventRecord, participant_name: str, link: str, expires_at: dt.datetime
) -> tuple[str, str]:
    """The invitation e-mail (subject, text): Indonesian first, then English."""
    until = expires_at.date().isoformat()
    subject = f"Undangan temu bisnis: {record.name} / Business-matching invitation"
    body = (
        f"Yth. {participant_name},\n\n"
        f"Anda diundang ke temu bisnis {record.name}. Buka tautan ini untuk membuat akun dan melihat calon "
        f"mitra, permintaan pertemuan dan agenda Anda:\n\n{link}\n\n"
        f"Tautan ini hanya bisa dipakai sekali dan berlaku sampai {until}. Bila sudah tidak berlaku, minta "
        "tautan baru kepada penyelenggara.\n\n"
        "---\n\n"
        f"Dear {participant_name},\n\n"
        f"You are invited to the business matching {record.name}. Open this link to create your account and "
        f"see suggested partners, meeting requests and your agenda:\n\n{link}\n\n"
        f"The link works once and is valid until {until}. If it no longer works, ask the organiser for a "
        "new one.\n"
    )
    return subject, body


class Invitations:
    """Invitations, accepting them, and registrations, over the store and the events."""

    def __init__(
        self,
        records: InvitationRecords,
        accounts: Accounts,
        sign_ins: SignIns,
        outbox: Outbox,
        participation: Participation,
        events: Events,
        catalogue: Store,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._records = records
        self._accounts = accounts
        self._sign_ins = sign_ins
        self._outbox = outbox
        self._participation = participation
        self._events = events
        self._catalogue = catalogue
        self._clock = clock

    # --- the catalogue's side ---------------------------------------------------------------------------

    def contact_email(self, kind: str, participant_id: str) -> str | None:
        entity = Entity.BUYERS if kind == "buyer" else Entity.IKMS
        try:
            found = self._catalogue.get(entity, participant_id)
        except NotFoundError:
            return None
        address = (found.contact_email or "").strip()
        return address if "@" in address else None

    def search_catalogue(self, kind: str, text: str, *, limit: int = 10) -> list[tuple[str, str]]:
        """(id, name) of the catalogue's buyers or IKMs whose name contains ``text`` (for registering)."""
        words = text.strip().lower()
        if len(words) < 2:
            return []
        names = self._events.people().names
        ids = self._catalogue.ids(Entity.BUYERS if kind == "buyer" else Entity.IKMS)
        found = sorted((names.get(i, i), i) for i in ids if words in names.get(i, i).lower())
        return [(i, name) for name, i in found[:limit]]

    def _name(self, participant_id: str) -> str:
        return self._events.people().names.get(participant_id) or participant_id

    # --- invitations ------------------------------------------------------------------------------------

    def invite(
        self,
        event_id: str,
        kind: str,
        participant_id: str,
        *,
        by: str,
        base_url: str,
        email: str | None = None,
    ) -> tuple[Invitation, str]:
        """Invite one user of a buyer or IKM of the event; e-mails the link and returns it too."""
        record = self._events.get(event_id)
        if kind not in KINDS or not self._participation.takes_part(event_id, kind, participant_id):
            raise NotFoundError(f"{participant_id!r} is not a {kind} of event {event_id!r}")
        address = normal_email(email or "") or self.contact_email(kind, participant_id)
        if not address or "@" not in address:
            raise ConfigError(f"no e-mail address to invite {participant_id!r}")
        existing = self._accounts.by_email(address)
        if existing is not None and existing.participant_id != participant_id:
            raise ConflictError(f"{address} already has an account for another participant")
        token = secrets.token_urlsafe(32)
        now = self._clock()
        invitation = self._records.add(
            digest(token),
            event_id=event_id,
            kind=kind,
            participant_id=participant_id,
            email=address,
            created_by=by,
            now=now,
            expires_at=now + dt.timedelta(days=INVITATION_DAYS),
        )
        link = f"{base_url.rstrip('/')}/invite/{token}"
        subject, body = invitation_message(record, self._name(participant_id), link, invitation.expires_at)
        self._outbox.enqueue(
            kind="invitation",
            to_address=address,
            subject=subject,
            body_text=body,
            event_id=event_id,
            to_user_id=existing.user_id if existing else None,
        )
        return invitation, link

    def look(self, token: str) -> InvitationView | None:
        """The invitation of a link's token (None: no such invitation)."""
        invitation = self._records.get(digest(token)) if token else None
        if invitation is None:
            return None
        try:
            record = self._events.get(invitation.event_id)
        except NotFoundError:
            return None
        return InvitationView(
            invitation,
            invitation.status(self._clock()),
            record,
            self._name(invitation.participant_id),
            self._accounts.by_email(invitation.email),
        )

    def accept(self, token: str, *, name: str, password: str | None) -> Account:
        """Create (or complete) the invited account and use the invitation up.

        ``password`` None: the user signs in with one-time codes (an existing password stays).
        :class:`InvitationClosed` for a link that no longer works, :class:`PasswordRejected` for a weak
        password, :class:`ConflictError` if the address has an account for another participant.
        """
        view = self.look(token)
        if view is None:
            raise InvitationClosed("unknown")
        if view.status != "open":
            raise InvitationClosed(view.status)
        invitation, account = view.invitation, view.account
        hashed = self._sign_ins.hash_password(password, invitation.email) if password else None
        if account is not None and account.participant_id != invitation.participant_id:
            raise ConflictError(f"{invitation.email} already has an account for another participant")
        if account is None:
            account = self._accounts.create(
                invitation.email,
                name.strip() or invitation.email,
                "buyer" if invitation.kind == "buyer" else "ikm",
                invitation.participant_id,
                password_hash=hashed,
            )
        else:
            account = self._accounts.update(account.user_id, name=name)
            if hashed is not None:
                self._accounts.set_password_hash(account.user_id, hashed)
        if not self._records.use(invitation.token_sha256, account.user_id, self._clock()):
            raise InvitationClosed("used")  # accepted in another window a moment ago
        return self._accounts.get(account.user_id)

    def revoke(self, event_id: str, token_sha256: str) -> None:
        invitation = self._records.get(token_sha256)
        if invitation is None or invitation.event_id != event_id:
            raise NotFoundError(f"no invitation {token_sha256[:12]} at event {event_id!r}")
        self._records.revoke(token_sha256, self._clock())

    def participants(self, event_id: str) -> list[ParticipantEntry]:
        """The event's buyers and IKMs with their accounts and invitations (buyers first, by name)."""
        invitations: dict[str, list[Invitation]] = {}
        for invitation in self._records.for_event(event_id):
            invitations.setdefault(invitation.participant_id, []).append(invitation)
        # the catalogue is read once (it may hold thousands), not once per participant
        records: dict[str, Buyer | IKM] = {b.buyer_id: b for b in self._catalogue.buyers()}
        records |= {i.ikm_id: i for i in self._catalogue.ikms()}
        people = set(records)
        entries = []
        for kind in KINDS:
            chosen = self._participation.members(event_id, kind) & people
            for pid in chosen:
                record = records[pid]
                name = record.company if isinstance(record, Buyer) else record.name
                address = (record.contact_email or "").strip()
                entries.append(
                    ParticipantEntry(
                        kind,
                        pid,
                        name,
                        address if "@" in address else None,
                        self._accounts.for_participant(pid),
                        invitations.get(pid, []),
                    )
                )
        return sorted(entries, key=lambda e: (e.kind != "buyer", e.name.lower(), e.participant_id))

    # --- registrations ----------------------------------------------------------------------------------

    def register(
        self,
        event_id: str,
        *,
        kind: str,
        email: str,
        name: str,
        company: str,
        participant_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> Registration:
        """A visitor's registration, waiting for the organiser (:class:`ConflictError` when closed)."""
        if self._participation.settings(event_id).registration != "approval":
            raise ConflictError(f"registration for event {event_id!r} is closed")
        problems = []
        if kind not in KINDS:
            problems.append("kind")
        if "@" not in email or len(email) > 254:
            problems.append("email")
        if not name.strip():
            problems.append("name")
        if not company.strip():
            problems.append("company")
        if participant_id:
            entity = Entity.BUYERS if kind == "buyer" else Entity.IKMS
            if participant_id not in self._catalogue.ids(entity):
                problems.append("participant_id")
        if problems:
            raise ConfigError(f"registration: fill in {', '.join(problems)}")
        return self._records.register(
            event_id=event_id,
            kind=kind,
            participant_id=participant_id or None,
            email=email,
            name=name.strip()[:200],
            company=company.strip()[:300],
            details={k: str(v).strip()[:2000] for k, v in (details or {}).items() if str(v).strip()},
        )

    def registrations(self, event_id: str) -> list[Registration]:
        self._events.get(event_id)
        return self._records.registrations(event_id)

    def _pending(self, event_id: str, registration_id: int) -> Registration:
        registration = self._records.registration(registration_id)
        if registration.event_id != event_id:
            raise NotFoundError(f"no registration {registration_id} at event {event_id!r}")
        if registration.status != "pending":
            raise ConflictError(f"registration {registration_id} is {registration.status} already")
        return registration

    def refuse(self, event_id: str, registration_id: int, *, by: str) -> Registration:
        self._pending(event_id, registration_id)
        return self._records.decide(registration_id, "refused", by=by, now=self._clock())

    def approve(
        self, event_id: str, registration_id: int, *, by: str, base_url: str
    ) -> tuple[Registration, str]:
        """Approve: the catalogue record (new ones made), the event's list, the account, the invitation."""
        registration = self._pending(event_id, registration_id)
        existing = self._accounts.by_email(registration.email)
        pid = registration.participant_id or self._new_record(registration)
        if existing is not None and existing.participant_id != pid:
            raise ConflictError(f"{registration.email} already has an account for another participant")
        self._include(event_id, registration.kind, pid)
        if existing is None:
            kind: AccountKind = "buyer" if registration.kind == "buyer" else "ikm"
            self._accounts.create(registration.email, registration.name, kind, pid)
        _, link = self.invite(
            event_id, registration.kind, pid, by=by, base_url=base_url, email=registration.email
        )
        decided = self._records.decide(
            registration_id, "approved", by=by, now=self._clock(), participant_id=pid
        )
        return decided, link

    def _new_record(self, registration: Registration) -> str:
        """A catalogue record for a new company (buyer or IKM), from what the registration describes."""
        details = registration.details
        entity = Entity.BUYERS if registration.kind == "buyer" else Entity.IKMS
        taken = self._catalogue.ids(entity)
        prefix = "REG-B" if registration.kind == "buyer" else "REG-I"
        pid = f"{prefix}{registration.registration_id}"
        if pid in taken:
            return pid  # made by an earlier approval of this registration that stopped half-way
        record: Buyer | IKM
        if registration.kind == "buyer":
            record = Buyer(
                buyer_id=pid,
                company=registration.company,
                country=details.get("country") or None,
                requirement=details.get("requirement") or registration.company,
                contact_email=registration.email,
            )
        else:
            record = IKM(
                ikm_id=pid,
                name=registration.company,
                province=details.get("province") or "-",
                regency=details.get("regency") or "-",
                description=details.get("description") or None,
                contact_name=registration.name,
                contact_email=registration.email,
            )
        self._catalogue.put(entity, record, create=True)
        return pid

    def _include(self, event_id: str, kind: str, participant_id: str) -> None:
        """Add the participant to the event's list of buyers or IKMs (an event of ``all`` has it already)."""
        if self._participation.takes_part(event_id, kind, participant_id):
            return
        event = self._events.get(event_id).event
        field = "buyers" if kind == "buyer" else "ikms"
        chosen = getattr(event, field)
        if chosen == "all":
            return
        updated = event.model_copy(update={field: [*chosen, participant_id]})
        self._events.update(event_id, event_yaml(updated))
