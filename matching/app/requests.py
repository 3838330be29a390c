"""Meeting requests between an event's participants, with their rules, e-mails and what the planner makes of
them.

- **send**: a buyer asks an IKM of the same event, or an IKM a buyer; one request per pair and event (a
  withdrawn one may be sent again); a message of at most :data:`MAX_MESSAGE` characters; only while the
  event takes requests (:meth:`~matching.store.event_settings.EventSettings.requests_open`: opened, before the
  deadline). In the event's ``auto`` mode a request is accepted when it is sent.
- **accept / decline**: only by the side that was asked, while the request is pending and requests are open.
- **withdraw**: by the sender, while pending.
- **override**: the organiser sets any status at any time (``decided_by`` ``"organiser: <key name>"``).

Each step e-mails the other side through the outbox (held until the event is opened), in Indonesian and
English, with a link to ``/me/events/<id>/requests``.

The planner reads :func:`honour_requests`: accepted requests become ``must_meet`` pairs and declined ones
``no_thanks``; the organiser's own preference for a pair (and a confirmed meeting) wins; pending and
withdrawn ones change nothing.

Refusals raise :class:`RequestRefused` (a :class:`~matching.errors.ConflictError`) with a message that says
why; a request, event or participant the account may not see raises :class:`~matching.errors.NotFoundError`,
so ids cannot be probed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.model import Event, Preference
from matching.store.requests import STATUSES, MeetingRequest, MeetingRequests, RequestStatus
from matching.store.tables import utc_now

if TYPE_CHECKING:
    from matching.app.participation import Participation
    from matching.store.accounts import Account, Accounts
    from matching.store.outbox import Outbox

__all__ = ["MAX_MESSAGE", "RequestRefused", "Requests", "honour_requests"]

MAX_MESSAGE = 500


class RequestRefused(ConflictError):
    """A meeting request step the rules do not allow now; ``code`` says which rule, for pages to word:
    ``not_open``, ``deadline``, ``duplicate``, ``own_request`` (answering one's own), ``not_sender``
    (withdrawing the other side's), ``answered`` (no longer pending)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def honour_requests(
    event: Event,
    requests: Iterable[MeetingRequest],
    *,
    buyers: Collection[str] | None = None,
    ikms: Collection[str] | None = None,
) -> Event:
    """``event`` with its participants' answered requests added to its preferences.

    Accepted -> ``must_meet``, declined -> ``no_thanks``. A pair the organiser already has a preference for,
    or a confirmed (fixed) meeting, keeps the organiser's choice. With ``buyers`` / ``ikms`` (who may take
    part now), requests of others are left out. An accepted request that cannot be held is left to the
    scores rather than made a must (which would make the plan infeasible): the two sides share no slot (a
    late arrival), or one side's must-meet and fixed meetings already fill its cap (earliest requests
    first). The event is returned unchanged when nothing is added.
    """
    own = {(p.buyer, p.ikm) for p in event.preferences}
    fixed = {(f.buyer, f.ikm) for f in event.fixed_meetings}
    forced = fixed | {(p.buyer, p.ikm) for p in event.preferences if p.kind == "must_meet"}
    n_slots = len(event.slots())
    caps = (event.max_meetings_per_buyer or n_slots, event.max_meetings_per_ikm or n_slots)
    load: dict[tuple[int, str], int] = {}
    for pair in forced:
        for side in (0, 1):
            load[(side, pair[side])] = load.get((side, pair[side]), 0) + 1
    listed_buyers = None if event.buyers == "all" else set(event.buyers)
    listed_ikms = None if event.ikms == "all" else set(event.ikms)
    added: list[Preference] = []
    for r in sorted(requests, key=lambda r: r.request_id):
        kind = {"accepted": "must_meet", "declined": "no_thanks"}.get(r.status)
        if kind is None or r.pair in own or (kind == "no_thanks" and r.pair in fixed):
            continue
        if (listed_buyers is not None and r.buyer_id not in listed_buyers) or (
            listed_ikms is not None and r.ikm_id not in listed_ikms
        ):
            continue
        if (buyers is not None and r.buyer_id not in buyers) or (ikms is not None and r.ikm_id not in ikms):
            continue
        if kind == "must_meet":
            full = any(load.get((side, r.pair[side]), 0) >= caps[side] for side in (0, 1))
            if full or not event.available_slots(r.buyer_id) & event.available_slots(r.ikm_id):
                continue
            for side in (0, 1):
                load[(side, r.pair[side])] = load.get((side, r.pair[side]), 0) + 1
        added.append(Preference(buyer=r.buyer_id, ikm=r.ikm_id, kind=kind))  # type: ignore[arg-type]
        own.add(r.pair)
    if not added:
        return event
    return event.model_copy(update={"preferences": [*event.preferences, *added]})


@dataclass(frozen=True)
class _Mail:
    subject: str
    body: str


class Requests:
    """Meeting requests of every event: the rules over the store, the e-mails through the outbox."""

    def __init__(
        self,
        repository: MeetingRequests,
        participation: Participation,
        accounts: Accounts,
        outbox: Outbox,
        *,
        names: Callable[[], dict[str, str]],
        event_name: Callable[[str], str],
        public_url: str | None = None,
    ) -> None:
        self._repo = repository
        self._participation = participation
        self._accounts = accounts
        self._outbox = outbox
        self._names = names
        self._event_name = event_name
        self._public_url = public_url

    # -- reading ---------------------------------------------------------------------------------------

    def _check_member(self, event_id: str, account: Account) -> None:
        if not self._participation.takes_part(event_id, account.kind, account.participant_id):
            raise NotFoundError(f"no event {event_id!r} for {account.participant_id!r}")

    def of(self, event_id: str, account: Account) -> list[MeetingRequest]:
        """The requests the account's buyer or IKM sent or received at the event, oldest first."""
        self._check_member(event_id, account)
        return self._repo.for_event(event_id, participant_id=account.participant_id)

    def get_for(self, event_id: str, request_id: int, account: Account) -> MeetingRequest:
        """One request of the account's buyer or IKM at the event; :class:`NotFoundError` for any other."""
        self._check_member(event_id, account)
        try:
            found = self._repo.get(request_id)
        except NotFoundError:
            found = None
        pid = account.participant_id
        mine = account.kind == "buyer" and found is not None and found.buyer_id == pid
        mine = mine or (account.kind == "ikm" and found is not None and found.ikm_id == pid)
        if found is None or found.event_id != event_id or not mine:
            raise NotFoundError(f"no meeting request {request_id} of {pid!r} at {event_id!r}")
        return found

    def for_event(self, event_id: str, *, status: str | None = None) -> list[MeetingRequest]:
        """Every request of the event (the organiser's view), oldest first."""
        self._participation.settings(event_id)  # NotFoundError for an unknown event
        if status is not None and status not in STATUSES:
            raise ConfigError(f"status must be one of {', '.join(STATUSES)} (value: {status!r})")
        return self._repo.for_event(event_id, status=status)

    def preferences(self, event_id: str) -> list[MeetingRequest]:
        """The event's answered requests (accepted or declined): what the planner honours."""
        return [r for r in self._repo.for_event(event_id) if r.status in ("accepted", "declined")]

    # -- the participants' steps -----------------------------------------------------------------------

    def _open_or_refuse(self, event_id: str, now: dt.datetime) -> str:
        settings = self._participation.settings(event_id)
        if not settings.opened:
            raise RequestRefused(f"event {event_id!r} is not open to meeting requests yet", "not_open")
        if not settings.requests_open(now):
            raise RequestRefused(f"the request deadline of event {event_id!r} has passed", "deadline")
        return settings.request_mode

    def send(
        self,
        event_id: str,
        account: Account,
        to_id: str,
        message: str = "",
        *,
        now: dt.datetime | None = None,
    ) -> MeetingRequest:
        """The account's buyer or IKM asks ``to_id`` (of the other side, at the same event) to meet."""
        now = now or utc_now()
        self._check_member(event_id, account)
        other_kind = "ikm" if account.kind == "buyer" else "buyer"
        if not self._participation.takes_part(event_id, other_kind, to_id):
            raise NotFoundError(f"{to_id!r} is not a {other_kind} of event {event_id!r}")
        text = message.strip()
        if len(text) > MAX_MESSAGE:
            raise ConfigError(f"the message has {len(text)} characters; at most {MAX_MESSAGE} are allowed")
        mode = self._open_or_refuse(event_id, now)
        buyer, ikm = (
            (account.participant_id, to_id) if account.kind == "buyer" else (to_id, account.participant_id)
        )
        existing = self._repo.for_pair(event_id, buyer, ikm)
        if existing is not None and existing.status != "withdrawn":
            raise RequestRefused(
                f"buyer {buyer!r} and IKM {ikm!r} already have a meeting request at this event "
                f"({existing.status})",
                "duplicate",
            )
        if existing is not None:
            request = self._repo.reopen(
                existing.request_id, message=text, created_by=account.user_id, from_kind=account.kind
            )
        else:
            request = self._repo.add(
                event_id, buyer, ikm, from_kind=account.kind, message=text, created_by=account.user_id
            )
        if mode == "auto":
            request = self._repo.set_status(
                request.request_id, "accepted", decided_by="auto", expect="pending"
            )
        self._mail_receiver(request)
        return request

    def answer(
        self,
        event_id: str,
        request_id: int,
        account: Account,
        *,
        accept: bool,
        now: dt.datetime | None = None,
    ) -> MeetingRequest:
        """Accept or decline a pending request: only the side that was asked may."""
        now = now or utc_now()
        request = self.get_for(event_id, request_id, account)
        if request.from_kind == account.kind:
            raise RequestRefused("only the other side can answer this request; you sent it", "own_request")
        if request.status != "pending":
            raise RequestRefused(f"this request is already {request.status}", "answered")
        self._open_or_refuse(event_id, now)
        status: RequestStatus = "accepted" if accept else "declined"
        answered = self._repo.set_status(request_id, status, decided_by=account.user_id, expect="pending")
        self._mail_sender(answered)
        return answered

    def withdraw(self, event_id: str, request_id: int, account: Account) -> MeetingRequest:
        """The sender takes back a request that is still pending."""
        request = self.get_for(event_id, request_id, account)
        if request.from_kind != account.kind:
            raise RequestRefused("only the side that sent this request can withdraw it", "not_sender")
        if request.status != "pending":
            raise RequestRefused(f"this request is already {request.status}", "answered")
        return self._repo.set_status(request_id, "withdrawn", decided_by=account.user_id, expect="pending")

    # -- the organiser ---------------------------------------------------------------------------------

    def override(self, event_id: str, request_id: int, status: str, *, organiser: str) -> MeetingRequest:
        """The organiser sets any status of one of the event's requests (any time, no e-mail)."""
        request = self._repo.get(request_id)
        if request.event_id != event_id:
            raise NotFoundError(f"event {event_id!r} has no meeting request {request_id}")
        if status not in STATUSES:
            raise ConfigError(f"status must be one of {', '.join(STATUSES)} (value: {status!r})")
        return self._repo.set_status(request_id, status, decided_by=f"organiser: {organiser}")

    # -- e-mails ---------------------------------------------------------------------------------------

    def link(self, event_id: str) -> str:
        path = f"/me/events/{quote(event_id, safe='')}/requests"
        return f"{self._public_url.rstrip('/')}{path}" if self._public_url else path

    def _send_to(self, request: MeetingRequest, participant_id: str, kind: str, mail: _Mail) -> None:
        for account in self._accounts.for_participant(participant_id):
            if account.active:
                self._outbox.enqueue(
                    kind=kind,
                    to_address=account.email,
                    subject=mail.subject,
                    body_text=mail.body,
                    event_id=request.event_id,
                    to_user_id=account.user_id,
                    hold_until="opened",
                )

    def _mail_receiver(self, request: MeetingRequest) -> None:
        names = self._names()
        sender = names.get(request.sender_id, request.sender_id)
        event = self._event_name(request.event_id)
        link = self.link(request.event_id)
        quoted = f'\n"{request.message}"\n' if request.message else ""
        if request.status == "accepted":  # the event accepts requests at once
            subject = f"Pertemuan dengan {sender} disetujui / Meeting with {sender} agreed"
            body = (
                f"{sender} mengajukan pertemuan dengan Anda di {event}. Acara ini menyetujui permintaan "
                f"secara otomatis: pertemuan akan dijadwalkan.\n{quoted}\nLihat permintaan: {link}\n\n"
                f"{sender} asked to meet you at {event}. This event accepts requests automatically: the "
                f"meeting will be scheduled.\n\nSee the request: {link}\n"
            )
        else:
            subject = f"Permintaan pertemuan dari {sender} / Meeting request from {sender}"
            body = (
                f"{sender} mengajukan pertemuan dengan Anda di {event}.\n{quoted}\n"
                f"Terima atau tolak di sini: {link}\n\n"
                f"{sender} asks to meet you at {event}.\n\nAccept or decline it here: {link}\n"
            )
        self._send_to(request, request.receiver_id, "request", _Mail(subject, body))

    def _mail_sender(self, request: MeetingRequest) -> None:
        names = self._names()
        receiver = names.get(request.receiver_id, request.receiver_id)
        event = self._event_name(request.event_id)
        link = self.link(request.event_id)
        if request.status == "accepted":
            subject = f"{receiver} menerima permintaan Anda / {receiver} accepted your request"
            body = (
                f"{receiver} menerima permintaan pertemuan Anda di {event}. Pertemuan akan dijadwalkan; "
                f"kontak mereka kini terlihat di halaman permintaan: {link}\n\n"
                f"{receiver} accepted your meeting request at {event}. The meeting will be scheduled; "
                f"their contact details are now on the requests page: {link}\n"
            )
        else:
            subject = f"{receiver} menolak permintaan Anda / {receiver} declined your request"
            body = (
                f"{receiver} belum dapat bertemu dengan Anda di {event}. Lihat mitra lain yang "
                f"direkomendasikan: {link}\n\n"
                f"{receiver} cannot meet you at {event}. See other recommended partners: {link}\n"
            )
        self._send_to(request, request.sender_id, "answer", _Mail(subject, body))
