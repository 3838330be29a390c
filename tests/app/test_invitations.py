"""Invitations (single use, expiry, revoked, wrong token) and registrations the organiser approves."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from matching import ConfigError, Engine
from matching.app.accounts import PasswordRejected
from matching.app.invitations import InvitationClosed, Invitations
from matching.catalogue.schema import Entity
from matching.errors import ConflictError, NotFoundError
from matching.store.accounts import digest
from matching.store.tables import InvitationRow, OutboxRow

LISTED = """
name: Temu Bisnis Anyaman Lombok
date: 2026-12-10
time_zone: WITA
sessions: [{start: "09:00", end: "12:00"}]
tables: 4
buyers: [B001, B002]
ikms: [I0003, I0035]
"""
BASE = "https://temu.example"
PASSWORD = "anyaman-ketak-2026"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def demo(engine: Engine) -> Engine:
    engine.import_demo()
    engine.events.create(LISTED, event_id="lombok")
    return engine


@pytest.fixture
def inv(demo: Engine, clock: Clock) -> Invitations:
    made = demo.invitations
    made._clock = clock  # the tests move time
    return made


def _token(link: str) -> str:
    assert link.startswith(f"{BASE}/invite/")
    return link.rsplit("/", 1)[1]


def _messages(engine: Engine, kind: str) -> list[OutboxRow]:
    with engine.store.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.kind == kind)).all()
        return list(rows)


def test_an_invitation_is_mailed_and_only_its_hash_is_stored(demo: Engine, inv: Invitations) -> None:
    invitation, link = inv.invite(
        "lombok", "ikm", "I0003", by="panitia", base_url=BASE + "/", email="Ketak@X.id"
    )
    token = _token(link)
    assert invitation.email == "ketak@x.id" and invitation.token_sha256 == digest(token)
    with demo.store.session() as session:
        stored = session.scalars(select(InvitationRow)).all()
    assert [r.token_sha256 for r in stored] == [digest(token)]
    (mail,) = _messages(demo, "invitation")
    assert mail.to_address == "ketak@x.id" and link in mail.body_text and mail.status == "queued"
    assert mail.body_text.index("Anda diundang") < mail.body_text.index("You are invited")  # Indonesian first


def test_the_catalogue_contact_address_is_the_default(demo: Engine, inv: Invitations) -> None:
    expected = inv.contact_email("buyer", "B001")
    if expected is None:
        with pytest.raises(ConfigError, match="no e-mail address"):
            inv.invite("lombok", "buyer", "B001", by="panitia", base_url=BASE)
    else:
        invitation, _ = inv.invite("lombok", "buyer", "B001", by="panitia", base_url=BASE)
        assert invitation.email == expected.lower()


def test_only_participants_of_the_event_are_invited(inv: Invitations) -> None:
    with pytest.raises(NotFoundError):
        inv.invite("lombok", "buyer", "B003", by="panitia", base_url=BASE, email="b3@x.id")  # not listed
    with pytest.raises(NotFoundError):
        inv.invite("lombok", "buyer", "I0003", by="panitia", base_url=BASE, email="b3@x.id")  # an IKM
    with pytest.raises(NotFoundError):
        inv.invite("nowhere", "ikm", "I0003", by="panitia", base_url=BASE, email="b3@x.id")


def test_accepting_creates_the_account_and_uses_the_link_up(demo: Engine, inv: Invitations) -> None:
    _, link = inv.invite("lombok", "ikm", "I0003", by="panitia", base_url=BASE, email="ketak@x.id")
    token = _token(link)
    view = inv.look(token)
    assert view is not None and view.status == "open" and view.account is None
    assert view.record.event_id == "lombok" and view.participant_name != "I0003"
    account = inv.accept(token, name="Baiq Ketak", password=PASSWORD)
    assert (account.email, account.kind, account.participant_id, account.name) == (
        "ketak@x.id",
        "ikm",
        "I0003",
        "Baiq Ketak",
    )
    assert account.has_password and demo.sign_ins.with_password("ketak@x.id", PASSWORD).ok
    with pytest.raises(InvitationClosed) as again:
        inv.accept(token, name="Someone", password=PASSWORD)
    assert again.value.status == "used" and demo.accounts.count() == 1


def test_a_weak_password_creates_nothing(demo: Engine, inv: Invitations) -> None:
    _, link = inv.invite("lombok", "ikm", "I0003", by="panitia", base_url=BASE, email="ketak@x.id")
    with pytest.raises(PasswordRejected):
        inv.accept(_token(link), name="Baiq", password="pendek")
    assert demo.accounts.count() == 0
    view = inv.look(_token(link))
    assert view is not None and view.status == "open"


def test_codes_only_and_an_existing_account_is_completed(demo: Engine, inv: Invitations) -> None:
    first = demo.accounts.create("staf@x.id", "Staf", "ikm", "I0035")
    _, link = inv.invite("lombok", "ikm", "I0035", by="panitia", base_url=BASE, email="staf@x.id")
    account = inv.accept(_token(link), name="Staf Rotan", password=None)
    assert account.user_id == first.user_id and account.name == "Staf Rotan" and not account.has_password


def test_expired_revoked_and_wrong_tokens_create_nothing(
    demo: Engine, inv: Invitations, clock: Clock
) -> None:
    _, old = inv.invite("lombok", "ikm", "I0003", by="panitia", base_url=BASE, email="a@x.id")
    revoked, gone = inv.invite("lombok", "ikm", "I0003", by="panitia", base_url=BASE, email="b@x.id")
    inv.revoke("lombok", revoked.token_sha256)
    clock.now += dt.timedelta(days=14)
    for token, status in ((_token(old), "expired"), (_token(gone), "revoked"), ("not-a-token", "unknown")):
        with pytest.raises(InvitationClosed) as closed:
            inv.accept(token, name="X", password=PASSWORD)
        assert closed.value.status == status
    assert demo.accounts.count() == 0
    with pytest.raises(NotFoundError):
        inv.revoke("another-event", revoked.token_sha256)


def test_an_address_of_another_participant_is_refused(demo: Engine, inv: Invitations) -> None:
    demo.accounts.create("shared@x.id", "Shared", "ikm", "I0035")
    with pytest.raises(ConflictError):
        inv.invite("lombok", "ikm", "I0003", by="panitia", base_url=BASE, email="shared@x.id")


def test_the_participants_overview(inv: Invitations, clock: Clock) -> None:
    inv.invite("lombok", "ikm", "I0003", by="panitia", base_url=BASE, email="a@x.id")
    entries = inv.participants("lombok")
    assert [(e.kind, e.participant_id) for e in entries if e.kind == "ikm"] == sorted(
        [("ikm", "I0003"), ("ikm", "I0035")],
        key=lambda p: next(e.name for e in entries if e.participant_id == p[1]),
    )
    assert {e.participant_id for e in entries if e.kind == "buyer"} == {"B001", "B002"}
    by_id = {e.participant_id: e for e in entries}
    assert by_id["I0003"].invitation_status(clock.now) == "open"
    assert by_id["I0035"].invitation_status(clock.now) is None


def test_registration_needs_approval_mode(demo: Engine, inv: Invitations) -> None:
    with pytest.raises(ConflictError, match="closed"):
        inv.register("lombok", kind="buyer", email="new@hotel.example", name="Ana", company="Hotel Baru")
    demo.participation.update_settings("lombok", registration="approval")
    with pytest.raises(ConfigError, match="email"):
        inv.register("lombok", kind="buyer", email="no-address", name="Ana", company="Hotel Baru")
    with pytest.raises(ConfigError, match="participant_id"):
        inv.register("lombok", kind="ikm", email="a@b.id", name="A", company="C", participant_id="B001")


def test_approving_a_new_buyer_makes_record_membership_account_and_invitation(
    demo: Engine, inv: Invitations
) -> None:
    demo.participation.update_settings("lombok", registration="approval")
    reg = inv.register(
        "lombok",
        kind="buyer",
        email="Ana@Hotel.example",
        name="Ana",
        company="Hotel Baru Senggigi",
        details={"country": "Indonesia", "requirement": "keranjang ketak untuk kamar hotel, 200 buah"},
    )
    decided, link = inv.approve("lombok", reg.registration_id, by="panitia", base_url=BASE)
    assert decided.status == "approved" and decided.participant_id
    buyer = demo.store.get(Entity.BUYERS, decided.participant_id)
    assert buyer.company == "Hotel Baru Senggigi" and "ketak" in buyer.requirement
    assert demo.participation.takes_part("lombok", "buyer", decided.participant_id)
    account = demo.accounts.by_email("ana@hotel.example")
    assert account is not None and account.participant_id == decided.participant_id
    assert inv.accept(_token(link), name="Ana", password=PASSWORD).user_id == account.user_id
    with pytest.raises(ConflictError, match="approved already"):
        inv.refuse("lombok", reg.registration_id, by="panitia")


def test_approving_an_existing_ikm_and_refusing(demo: Engine, inv: Invitations) -> None:
    demo.participation.update_settings("lombok", registration="approval")
    ikm_id = next(i for i in demo.store.ids(Entity.IKMS) if i not in ("I0003", "I0035"))
    reg = inv.register("lombok", kind="ikm", email="x@ikm.id", name="X", company="Y", participant_id=ikm_id)
    other = inv.register("lombok", kind="ikm", email="z@ikm.id", name="Z", company="Z")
    with pytest.raises(NotFoundError):
        inv.approve("another", reg.registration_id, by="panitia", base_url=BASE)
    decided, _ = inv.approve("lombok", reg.registration_id, by="panitia", base_url=BASE)
    assert decided.participant_id == ikm_id and demo.participation.takes_part("lombok", "ikm", ikm_id)
    refused = inv.refuse("lombok", other.registration_id, by="panitia")
    assert refused.status == "refused" and demo.accounts.by_email("z@ikm.id") is None
    assert inv.search_catalogue("ikm", demo.events.people().names[ikm_id][:5])[0][0] is not None
