"""The one facade the CLI, the service and notebooks call: :class:`Engine`."""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import FileLock

from matching.app.scoring import Pair, Participants
from matching.catalogue.ingest import validate_tables
from matching.catalogue.readers import iter_files, read_tables
from matching.catalogue.report import ImportReport
from matching.catalogue.schema import Buyer, Entity
from matching.common.bundled import bundled_data_dir
from matching.config import Settings
from matching.errors import ConfigError, ValidationFailed
from matching.events.agendas import Profile
from matching.ranking.explanations import Explanation, explain
from matching.ranking.pair_scores import candidate_pairs
from matching.ranking.queries import Queries
from matching.ranking.searcher import Match, Searcher
from matching.retrieval.bm25 import LexicalIndex
from matching.retrieval.dense_index import VectorIndex
from matching.retrieval.documents import Catalogue, Memo
from matching.retrieval.embedding_cache import EmbeddingCache
from matching.retrieval.encoders import Encoder, load_encoder
from matching.retrieval.indexing import IndexReport, update_dense_index
from matching.retrieval.lexicon import Concept, lexicon
from matching.retrieval.query import BuyerNeeds, parse_needs
from matching.retrieval.query_cache import CachedQueryEncoder
from matching.retrieval.ray_embedding import USE  # the module imports Ray only when it runs
from matching.store.accounts import Accounts
from matching.store.database import INDEX_LOCK, Store
from matching.store.day import DayRepository
from matching.store.event_settings import EventSettingsRepository
from matching.store.events import EventRepository
from matching.store.keys import ApiKeys
from matching.store.outbox import Outbox
from matching.store.outcomes import OutcomeRepository
from matching.store.requests import MeetingRequests

if TYPE_CHECKING:
    from matching.app.accounts import SignIns
    from matching.app.events import Events
    from matching.app.invitations import Invitations
    from matching.app.mailer import Mailer, MailSender
    from matching.app.my_agenda import MyAgendas
    from matching.app.participation import Participation
    from matching.app.photos import Photos
    from matching.app.profile_edits import ProfileEdits
    from matching.app.publication import Publication
    from matching.app.ratings import Ratings
    from matching.app.recommendations import Partner
    from matching.app.report import EventReport
    from matching.app.requests import Requests

__all__ = ["EMPTY_CATALOGUE", "Engine", "demo_data_dir", "make_private"]

EMPTY_CATALOGUE = "the catalogue is empty: import IKMs and products first"

log = logging.getLogger(__name__)


def make_private(home: Path, database: Path | None) -> None:
    """Create the data home (0700) and the SQLite file (0600) before SQLite opens it: SQLite gives its
    -wal and -shm files the database file's mode. Existing ones keep theirs."""
    if not home.exists():
        home.mkdir(parents=True, mode=0o700)
        home.chmod(0o700)  # mkdir's mode is filtered by the umask
    if database is not None and not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
        database.chmod(0o600)


def demo_data_dir() -> Path:
    """The folder of the bundled demo catalogue (``ikms.csv``, ``products.csv``, ``buyers.csv``)."""
    return bundled_data_dir("demo")


class Engine:
    """Catalogue import and statistics over one store; later steps (ranking, events) hang off it too."""

    def __init__(self, settings: Settings | None = None, *, store: Store | None = None) -> None:
        self.settings = settings or Settings()
        self._store = store
        self._encoder: CachedQueryEncoder | None = None
        self._second_encoder: Encoder | None = None
        self._second_missing = False
        self._searcher: Searcher | None = None
        self._searcher_revision = -1  # the catalogue revision the searcher was built from
        self._searcher_lock = threading.Lock()
        self._store_lock = threading.Lock()  # two threads opening the store would both migrate it
        self._refresh: threading.Thread | None = None
        self._refresh_lock = threading.Lock()  # starting a refresh, and a refresh deciding it is done
        self._refresh_done = threading.Event()
        self._keys: ApiKeys | None = None  # one instance: it holds key uses not yet written
        self._mail_senders: list[MailSender] = []  # the services' sender threads, woken by the outbox
        # what the last rebuild found in each product text (concepts; BM25 terms by settings): the next one
        # reads only new or changed texts (BENCHMARKS.md, "Scale": a refresh at 100k products)
        self._concept_memo: Memo = {}
        self._terms_memo: dict[tuple[bool, bool], dict[str, list[str]]] = {}
        self._memo_lock = threading.Lock()

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._store_lock:
                if self._store is None:
                    if not self.settings.sqlite_read_only():  # a read-only URI names a file that is there
                        make_private(self.settings.home, self.settings.sqlite_path())
                    self._store = Store(self.settings.resolved_database_url())
        return self._store

    def close(self) -> None:
        if self._keys is not None:
            self._keys.close()
        if self._store is not None:
            self._store.close()

    def import_files(
        self,
        paths: Iterable[Path],
        *,
        kind: Entity | None = None,
        keep_valid: bool = False,
        dry_run: bool = False,
        progress: Callable[[int], None] | None = None,
        on_total: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Import CSV/XLSX files (or folders of them) into the store.

        All-or-nothing by default: when any row is invalid, nothing is written and :class:`ValidationFailed`
        carries the report. With ``keep_valid`` the valid rows are written and the report lists the rest.
        ``dry_run`` validates and counts without writing.
        """
        tables = [table for path in iter_files(list(paths)) for table in read_tables(path, kind)]
        if on_total is not None:
            on_total(sum(len(t.rows) for t in tables))
        batch, issues = validate_tables(tables, self.store.ids(Entity.IKMS), progress=progress)
        report = ImportReport(issues=issues, dry_run=dry_run)
        if report.errors and not keep_valid:
            for entity in Entity:
                report.counts[entity].rejected = batch.rejected_rows[entity]
            raise ValidationFailed(report)
        report.counts = self.store.write(batch, dry_run=dry_run)  # a change raises the catalogue revision
        report.committed = not dry_run
        return report

    def import_demo(self, **kwargs: Any) -> ImportReport:
        """Import the bundled demo catalogue."""
        return self.import_files([demo_data_dir()], **kwargs)

    def stats(self) -> dict[str, Any]:
        return self.store.stats()

    # -- ranking ---------------------------------------------------------------------------------------

    @property
    def encoder(self) -> Encoder:
        """The configured encoder, its query vectors kept in an LRU cache (``Settings.query_cache``)."""
        if self._encoder is None:
            inner = load_encoder(
                self.settings.encoder, home=self.settings.home, threads=self.settings.encoder_threads
            )
            self._encoder = CachedQueryEncoder(inner, size=self.settings.query_cache)
        return self._encoder

    @property
    def second_encoder(self) -> Encoder | None:
        """The second text encoder (USE) whose cosines join the text evidence, or None (settings)."""
        choice = self.settings.second_encoder
        if choice == "none" or (choice == "auto" and self.settings.encoder == "hashing"):
            return None
        if self._second_encoder is None and not self._second_missing:
            from matching.retrieval.use_encoder import UseEncoder, fetch_model

            try:
                # fetched only when missing; its query vectors cached like the encoder's (event planning
                # asks again for the buyers whose pairs it explains)
                use = UseEncoder(fetch_model())
                self._second_encoder = CachedQueryEncoder(use, size=self.settings.query_cache)
            except ConfigError as exc:
                if choice == "use":
                    raise
                # "auto": search still works without it (text evidence from e5 and BM25), but say so
                log.warning("searching without the second encoder (USE): %s", exc)
                self._second_missing = True
        return self._second_encoder

    def query_cache_stats(self) -> dict[str, Any] | None:
        """Entries, capacity, hits and misses of the in-memory query-embedding cache (None before the encoder
        is loaded)."""
        return self._encoder.stats() if self._encoder is not None else None

    def _catalogue(self, progress: Callable[[int], None] | None = None) -> Catalogue:

        with self._memo_lock:  # one build at a time uses and renews the memo
            return Catalogue.build(
                self.store.ikms(), self.store.each_product(), progress=progress, memo=self._concept_memo
            )

    def index(
        self,
        *,
        rebuild: bool = False,
        ray: str | None = None,
        progress: Callable[[int], None] | None = None,
        on_total: Callable[[int], None] | None = None,
    ) -> IndexReport:
        """Embed new or changed products and update the dense index atomically (see
        matching.retrieval.indexing). ``ray`` (default ``Settings.ray``): embed them on the Ray cluster at
        that address; ``local``: ``$RAY_ADDRESS``'s, else a Ray instance started here for the run
        (matching.retrieval.ray_embedding)."""
        ray = ray or self.settings.ray
        with self._index_turn():
            revision = self.store.revision()
            catalogue = self._catalogue()
            _, report = self._update_index(
                catalogue, rebuild=rebuild, revision=revision, ray=ray, progress=progress, on_total=on_total
            )
            self._update_second_index(catalogue, rebuild=rebuild, revision=revision, ray=ray)
        with self._searcher_lock:
            self._searcher = None
        self.query_vectors([self.buyer_needs(b).text for b in self.store.buyers()])  # warm for planning
        return report

    def query_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Query embeddings of ``texts`` (``(n, dim)`` float32), cached like product embeddings.

        Stored buyers' requirements are embedded by :meth:`index`, so planning an event encodes only
        requirements that changed since.
        """

        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        with EmbeddingCache(self.settings.home / "cache" / "embeddings.sqlite") as cache:
            model_id = f"{self.encoder.model_id}#query"
            vectors, _ = cache.embed(model_id, list(texts), self.encoder.encode_queries)
        return vectors

    def _ray_fill(
        self, cache: EmbeddingCache, model_id: str, spec: str, ray: str | None
    ) -> Callable[[list[str], Callable[[int], None] | None], int] | None:
        """What encodes on the Ray cluster ``ray`` the texts ``cache`` lacks (None without ``ray``)."""
        if ray is None:
            return None
        from matching.retrieval.ray_embedding import fill_cache_on_ray  # Ray: only when asked for

        def fill(texts: list[str], progress: Callable[[int], None] | None) -> int:
            return fill_cache_on_ray(
                cache,
                model_id,
                texts,
                spec=spec,
                home=self.settings.home,
                address=ray,
                threads=self.settings.encoder_threads,
                progress=progress,
            )

        return fill

    def _update_index(
        self, catalogue: Catalogue, *, ray: str | None = None, **kwargs: Any
    ) -> tuple[VectorIndex, IndexReport]:
        """The dense index brought in line with ``catalogue``; with ``ray`` (a cluster address or ``local``)
        the texts the embedding cache lacks are encoded on Ray first."""
        with EmbeddingCache(self.settings.home / "cache" / "embeddings.sqlite") as cache:
            return update_dense_index(
                self.settings.folder("index") / "dense",
                catalogue,
                self.encoder,
                cache,
                kind=self.settings.index_kind,
                ef_search=self.settings.ef_search,
                batch_size=self.settings.embed_batch,
                fill_cache=self._ray_fill(cache, self.encoder.model_id, self.settings.encoder, ray),
                **kwargs,
            )

    @contextlib.contextmanager
    def _index_turn(self) -> Iterator[None]:
        """Held while the catalogue is read and the shared search indexes are brought in line with it.

        Replicas of the service (processes on one machine or several, on one store and one shared folder)
        take turns: each finds the versions the others saved and embeds only what is still missing, and
        none saves an index of an older catalogue over a newer one, since each reads the catalogue inside
        its turn. PostgreSQL's advisory lock reaches every machine; on SQLite (one machine) a file lock
        in the index folder does.
        """
        with self.store.advisory_lock(INDEX_LOCK) as held:
            if held:
                yield
                return
            folder = self.settings.folder("index")
            folder.mkdir(parents=True, exist_ok=True)
            with FileLock(folder / ".build.lock"):
                yield

    def index_outdated(self) -> bool:
        """Whether the searcher in use lags: the catalogue changed since it was built (through any replica,
        an import or a profile edit), or another process saved a newer version of the shared index."""
        if self._searcher is None:
            return False
        if self.store.revision() > self._searcher_revision:
            return True
        current = VectorIndex.current_version(self.settings.folder("index") / "dense")
        return current is not None and current != self._searcher.index_version

    def _update_second_index(
        self,
        catalogue: Catalogue,
        *,
        rebuild: bool = False,
        revision: int | None = None,
        ray: str | None = None,
    ) -> VectorIndex | None:
        """The second encoder's index brought in line with ``catalogue`` (None without a second encoder)."""
        second = self.second_encoder
        if second is None:
            return None
        with EmbeddingCache(self.settings.home / "cache" / "embeddings.sqlite") as cache:
            index, _ = update_dense_index(
                self.settings.folder("index") / "second",
                catalogue,
                second,
                cache,
                kind=self.settings.index_kind,
                ef_search=self.settings.ef_search,
                batch_size=self.settings.embed_batch,
                rebuild=rebuild,
                revision=revision,
                fill_cache=self._ray_fill(cache, second.model_id, USE, ray),
            )
        return index

    def lexical_index(
        self, catalogue: Catalogue, *, concepts: bool = True, stemmed: bool = True
    ) -> LexicalIndex:
        """BM25 over the catalogue's product texts (with lexicon concept terms unless ``concepts=False``)."""

        lex = lexicon()
        index = LexicalIndex(concepts=lex.concept_terms if concepts else None, stemmed=stemmed)
        with self._memo_lock:
            memo = self._terms_memo.setdefault((concepts, stemmed), {})
            return index.fit(*catalogue.texts(), memo=memo)

    @property
    def accounts(self) -> Accounts:
        """Participants' user accounts and their signed-in sessions (:mod:`matching.store.accounts`)."""
        return Accounts(self.store)

    @property
    def outbox(self) -> Outbox:
        """E-mails waiting to be sent, and those sent (:mod:`matching.store.outbox`)."""
        return Outbox(self.store, on_queued=self._wake_mail_sender)

    @property
    def mailer(self) -> Mailer:
        """Sends the outbox's due e-mails through the configured SMTP server (:mod:`matching.app.mailer`)."""
        from matching.app.mailer import Mailer

        return Mailer(self.outbox, self.settings)

    def start_mail_sender(self) -> MailSender:
        """Start a background thread sending e-mails every ``mail_every`` seconds and whenever one is
        queued through this engine; :meth:`stop_mail_sender` stops it (the service's lifespan)."""
        from matching.app.mailer import MailSender

        sender = MailSender(self.mailer, self.settings.mail_every).start()
        self._mail_senders.append(sender)
        return sender

    def stop_mail_sender(self, sender: MailSender) -> None:
        if sender in self._mail_senders:
            self._mail_senders.remove(sender)
        sender.stop()

    def _wake_mail_sender(self) -> None:
        for sender in list(self._mail_senders):
            sender.wake()

    @property
    def publication(self) -> Publication:
        """Opening events to participants and publishing their agendas, with the e-mails that go out
        (:mod:`matching.app.publication`)."""
        from matching.app.publication import Publication

        return Publication(
            self.events, self.participation, self.accounts, self.outbox, public_url=self.settings.public_url
        )

    def _day_changed(self, event_id: str, who: str) -> None:
        """A change applied on the day: a published event's participants get the new plan at once."""
        self.publication.follow_day_change(event_id, who=who)

    @property
    def participation(self) -> Participation:
        """Events seen from a participant's side: who takes part, each event's participant settings
        (:mod:`matching.app.participation`)."""
        from matching.app.participation import Participation

        return Participation(self.events, EventSettingsRepository(self.store), self.store)

    @property
    def my_agenda(self) -> MyAgendas:
        """Participants' own agendas of the published plan (:mod:`matching.app.my_agenda`)."""
        from matching.app.my_agenda import MyAgendas

        return MyAgendas(self.events, self.participation, self.accounts, self.store)

    @property
    def ratings(self) -> Ratings:
        """Participants' ratings of their meetings, and the outcomes training reads
        (:mod:`matching.app.ratings`)."""
        from matching.app.ratings import Ratings
        from matching.store.ratings import ParticipantRatings

        return Ratings(self.my_agenda, self.events, ParticipantRatings(self.store))

    @property
    def sign_ins(self) -> SignIns:
        """Participants' passwords, one-time codes and the lockout (:mod:`matching.app.accounts`)."""
        from matching.app.accounts import SignIns
        from matching.store.sign_ins import SignInRecords

        return SignIns(self.accounts, SignInRecords(self.store), self.outbox)

    @property
    def invitations(self) -> Invitations:
        """Invitations to events and self-registrations (:mod:`matching.app.invitations`)."""
        from matching.app.invitations import Invitations
        from matching.store.invitations import InvitationRecords

        return Invitations(
            InvitationRecords(self.store),
            self.accounts,
            self.sign_ins,
            self.outbox,
            self.participation,
            self.events,
            self.store,
        )

    @property
    def photos(self) -> Photos:
        """Product photos: checked, cleaned, thumbnailed, under ``<home>/photos``
        (:mod:`matching.app.photos`)."""
        from matching.app.photos import Photos  # Pillow: imported when photos are used
        from matching.store.photos import PhotoRepository

        return Photos(self.settings.folder("photos"), PhotoRepository(self.store), self.store)

    @property
    def profile_edits(self) -> ProfileEdits:
        """Participants' changes to their own records, re-indexed in the background
        (:mod:`matching.app.profile_edits`)."""
        from matching.app.profile_edits import ProfileEdits

        return ProfileEdits(
            self.store,
            lambda: self.refresh(background=True),
            remove_photos=lambda ikm_id, product_id: self.photos.delete_of_product(ikm_id, product_id),
        )

    @property
    def events(self) -> Events:
        """Stored events, their plans and exports, and meeting outcomes (:mod:`matching.app.events`)."""
        from matching.app.events import Events  # planning's solvers and export libraries: seconds to import

        return Events(
            self.settings.folder("events"),
            EventRepository(self.store),
            OutcomeRepository(self.store),
            scorer=self,
            participants=self.participants,
            public_url=self.settings.public_url,
            days=DayRepository(self.store),
            on_day_change=self._day_changed,
            requests=MeetingRequests(self.store),
        )

    @property
    def requests(self) -> Requests:
        """Participants' meeting requests: send, answer, withdraw, the organiser's override
        (:mod:`matching.app.requests`)."""
        from matching.app.requests import Requests

        events = self.events
        return Requests(
            MeetingRequests(self.store),
            self.participation,
            self.accounts,
            self.outbox,
            names=lambda: events.people().names,
            event_name=lambda event_id: events.get(event_id).name,
            public_url=self.settings.public_url,
        )

    def event_report(self, event_id: str, *, check_ins: Mapping[str, str] | None = None) -> EventReport:
        """The dashboard figures of an event's newest plan (:mod:`matching.app.report`); ``check_ins``
        (participant -> arrived / late / absent) default to those the event day console recorded."""
        from matching.app.report import event_report  # planning's solvers: seconds to import

        store = self.store
        if check_ins is None:  # none recorded: attendance counts the no-shows only
            check_ins = {p: c.status for p, c in self.events.day.checkins(event_id).items()} or None
        return event_report(
            self.events,
            event_id,
            ikms=store.ikms(),
            products=store.products(),
            buyer_ids=store.ids(Entity.BUYERS),
            check_ins=check_ins,
        )

    def participants(self) -> Participants:
        """Who may take part in events: the catalogue's buyer and IKM ids, and their names."""
        buyers, ikms = self.store.buyers(), self.store.ikms()
        return Participants(
            {b.buyer_id for b in buyers},
            {i.ikm_id for i in ikms},
            {b.buyer_id: b.company for b in buyers} | {i.ikm_id: i.name for i in ikms},
            self.profiles,
        )

    def profiles(self, ids: Collection[str]) -> dict[str, Profile]:
        """What agendas say about these participants (:mod:`matching.app.profiles`), from the store."""
        from matching.app.profiles import participant_profiles

        store, ids = self.store, set(ids)
        if len(ids) > 40:  # an export: read the catalogue once
            return participant_profiles(ids, store.ikms(), store.products(), store.buyers(), lexicon())
        ikms = [store.get(Entity.IKMS, i) for i in ids & store.ids(Entity.IKMS)]  # a page: a few records
        products = [
            p for i in ikms for p in store.page(Entity.PRODUCTS, limit=500, filters={"ikm_id": i.ikm_id})[0]
        ]
        buyers = [store.get(Entity.BUYERS, b) for b in ids & store.ids(Entity.BUYERS)]
        return participant_profiles(ids, ikms, products, buyers, lexicon())

    def encode_buyers(self, buyers: Sequence[Buyer], *, cached: bool = True) -> Queries:
        """Buyers parsed and encoded once, for ranking them many times (:class:`Queries`).

        ``cached`` reads and fills the query-embedding cache (:meth:`query_vectors`); without it the
        requirements are encoded afresh in one batch.
        """
        needs = [self.buyer_needs(b) for b in buyers]
        texts = [n.text for n in needs]
        vectors = self.query_vectors(texts) if cached else self.encoder.encode_queries(texts)
        return Queries.of(buyers, needs, vectors)

    def score_pairs(
        self, buyers: Sequence[str], ikms: Sequence[str], *, top: int = 50
    ) -> tuple[dict[Pair, float], dict[Pair, str]]:
        """Candidate pairs of stored buyers and IKMs, scored and explained by the searcher
        (:func:`matching.ranking.pair_scores.candidate_pairs`); the engine is the planner's
        :class:`~matching.app.scoring.PairScorer`."""
        searcher = self.searcher()
        records = {b.buyer_id: b for b in self.store.buyers()}
        queries = self.encode_buyers([records[b] for b in buyers])
        return candidate_pairs(searcher, queries, ikms, top=top)

    def recommend_partners(
        self, event_id: str, kind: str, participant_id: str, *, query: str = "", k: int = 30
    ) -> list[Partner]:
        """A participant's recommended partners at an event, with the reasons to meet (public profiles
        only; :mod:`matching.app.recommendations`)."""
        from matching.app.recommendations import recommend_partners

        return recommend_partners(self, event_id, kind, participant_id, query=query, k=k)

    @property
    def keys(self) -> ApiKeys:
        """The service's API keys (:mod:`matching.store.keys`)."""
        if self._keys is None:
            self._keys = ApiKeys(self.store)
        return self._keys

    def searcher(self, *, wait: bool = True) -> Searcher:
        """The ranking pipeline over the current catalogue and index.

        Built on first use. When the catalogue has changed since (its revision went up), ``wait=True``
        builds a new one now; ``wait=False`` (the service) returns the one in hand and builds the new one
        in a background thread, so searches in flight and meanwhile are never blocked; the new searcher
        replaces the old one when it is ready.
        """
        revision = self.store.revision()
        current = self._searcher
        if current is not None and self.ranker_spec() != current.ranker_spec:
            current = self._switch_ranker(current)
        if current is not None and self._searcher_revision >= revision:
            return current
        if current is not None and not wait:
            self.refresh(background=True)
            return current
        with self._searcher_lock:
            if self._searcher is None or self._searcher_revision < revision:
                self._searcher, self._searcher_revision = self._build_searcher()
            return self._searcher

    def refresh(self, *, background: bool = False) -> None:
        """Rebuild the searcher from the catalogue as it is now (in a daemon thread with ``background``).

        A background refresh asked for while one runs is not lost: the running one builds again when the
        catalogue changed while it was building (a participant's save during an import's re-index)."""
        if not background:
            with self._searcher_lock:
                self._searcher, self._searcher_revision = self._build_searcher()
            return
        with self._refresh_lock:
            if self._refresh is not None and not self._refresh_done.is_set():
                return  # the running one looks at the revision again before it ends

            def run() -> None:
                while True:
                    try:
                        searcher, revision = self._build_searcher()
                        with self._searcher_lock:
                            if revision >= self._searcher_revision:  # equal: a newer index version
                                self._searcher, self._searcher_revision = searcher, revision
                        log.info("search index refreshed to catalogue revision %d", revision)
                    except Exception:  # the old searcher keeps serving; the next request tries again
                        log.exception("refreshing the search index failed")
                        with self._refresh_lock:
                            self._refresh_done.set()
                        return
                    with self._refresh_lock:
                        if self.store.revision() <= revision:  # nothing changed while building
                            self._refresh_done.set()
                            return

            self._refresh_done = threading.Event()
            self._refresh = threading.Thread(target=run, name="matching-refresh", daemon=True)
            self._refresh.start()

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Wait until a background refresh (if any) has finished."""
        if self._refresh is not None:
            self._refresh.join(timeout)

    @property
    def searcher_revision(self) -> int:
        """The catalogue revision the searcher in use was built from (-1 before the first search)."""
        return self._searcher_revision

    @property
    def index_version(self) -> str | None:
        """The saved version of the dense index the searcher in use reads (``v000007``), once searching."""
        return self._searcher.index_version if self._searcher is not None else None

    def ranker_spec(self) -> str:
        """What ranks: ``MATCHING_RANKER`` when set to other than ``auto``, else the model chosen with
        ``matching models use`` for this data home, else ``auto`` (the bundled model chosen by
        leave-one-set-out for this engine's encoders, else the hand-set weights)."""
        from matching.ranking.model_registry import active_model  # sklearn: slow to import

        if self.settings.ranker != "auto":
            return self.settings.ranker
        return active_model(self.settings.shared_dir) or "auto"

    def use_model(self, name: str | None) -> str:
        """Rank with model ``name`` (``weights``, ``newest``, or a version in the data home's models folder or
        among the bundled ones); None forgets the choice (``auto``).

        Services on this data home switch at their next search, without a restart. Returns the version.
        """
        from matching.ranking.model_registry import set_active_model  # sklearn: slow to import

        # the encoders only say what `auto` is, after forgetting the choice (reading them may load USE)
        encoders = self.ranker_encoders() if name is None else None
        return set_active_model(self.settings.shared_dir, name, self.settings.models_dir, encoders=encoders)

    def ranker_encoders(self) -> tuple[str, str | None]:
        """The model ids of the encoder and second encoder (None without one) whose features the ranker
        reads: ``auto`` ranks with a bundled model only if it was trained with these."""
        second = self.second_encoder
        return self.encoder.model_id, (second.model_id if second is not None else None)

    def resolve_ranker(self, spec: str) -> tuple[Any, str]:
        """The ranker ``spec`` names for this engine, and its version label (see ``resolve_ranker``)."""
        from matching.ranking.model_registry import resolve_ranker  # sklearn: slow to import

        return resolve_ranker(spec, self.settings.models_dir, encoders=self.ranker_encoders())

    def _switch_ranker(self, current: Searcher) -> Searcher:
        """The searcher in hand with the ranker now chosen (the index and catalogue stay as they are)."""
        with self._searcher_lock:
            spec = self.ranker_spec()
            if spec != current.ranker_spec and self._searcher is current:
                switched = copy.copy(current)
                switched.ranker, switched.model_version = self.resolve_ranker(spec)
                switched.ranker_spec = spec
                self._searcher = switched
                log.info("ranking with model %s", switched.model_version)
            return self._searcher  # type: ignore[return-value]

    @property
    def ranker_version(self) -> str:
        """The version of the model ranking now (``weights``, ``ranker-v2`` ...); known once searching."""
        return self._searcher.model_version if self._searcher is not None else "weights"

    def _build_searcher(self) -> tuple[Searcher, int]:
        with self._index_turn():
            revision = self.store.revision()  # read first: a change during the build triggers another one
            catalogue = self._catalogue()
            # embeds what changed since the last index, if anything (nothing when another replica has)
            dense, _ = self._update_index(catalogue, revision=revision)
            second = self._update_second_index(catalogue, revision=revision)
        spec = self.ranker_spec()
        ranker, version = self.resolve_ranker(spec)
        searcher = Searcher(
            catalogue,
            encoder=self.encoder,
            dense=dense,
            lexical=self.lexical_index(catalogue),
            ranker=ranker,
            lex=lexicon(),
            constraint_mode=self.settings.constraints,
            second=None if second is None or self.second_encoder is None else (self.second_encoder, second),
        )
        searcher.model_version, searcher.ranker_spec = version, spec
        searcher.index_version = dense.version
        return searcher, revision

    def search_notice(self) -> str | None:
        """Why a search finds nothing whatever it asks (:data:`EMPTY_CATALOGUE`), or None."""
        return EMPTY_CATALOGUE if not self.store.counts()[Entity.PRODUCTS.value] else None

    @staticmethod
    def needs(
        text: str,
        *,
        quantity: int | None = None,
        certifications: Sequence[str] | None = None,
        provinces: Sequence[str] | None = None,
        max_unit_price_idr: int | None = None,
        deadline_days: int | None = None,
    ) -> BuyerNeeds:
        """Parse a requirement (structured values win over what the text says)."""

        return parse_needs(
            text,
            quantity=quantity,
            certifications=certifications or None,
            provinces=provinces or None,
            max_unit_price_idr=max_unit_price_idr,
            deadline_days=deadline_days,
        )

    def buyer_needs(self, buyer: Buyer) -> BuyerNeeds:
        return self.needs(
            buyer.requirement,
            quantity=buyer.quantity,
            certifications=buyer.required_certifications,
            provinces=buyer.preferred_provinces,
            max_unit_price_idr=buyer.max_unit_price_idr,
            deadline_days=buyer.deadline_days,
        )

    def search(self, text: str, *, k: int = 10, **structured: Any) -> list[Explanation]:
        """Ranked, explained IKMs for one free-text requirement plus structured values.

        ``hard_filters=True`` among them drops IKMs that fail a stated requirement instead of ranking them
        lower (:class:`~matching.ranking.searcher.Searcher`)."""
        return self.search_many([(text, structured)], k=k)[0]

    def search_many(
        self, requests: Sequence[tuple[str, dict[str, Any]]], *, k: int = 10, wait: bool = True
    ) -> list[list[Explanation]]:
        """:meth:`search` for several requirements at once (one encoder batch: faster per query).

        ``wait=False`` searches the index in hand while a changed catalogue is indexed in the background.
        """
        return self.search_batch(requests, k=k, wait=wait)[0]

    def search_batch(
        self,
        requests: Sequence[tuple[str, dict[str, Any]]],
        *,
        k: int = 10,
        wait: bool = True,
        on_result: Callable[[int, list[Explanation], str, int], None] | None = None,
    ) -> tuple[list[list[Explanation]], str, int]:
        """:meth:`search_many`, plus the model version and catalogue revision that produced the results.

        ``on_result(i, results, model_version, revision)`` is called for each request as soon as it is
        ranked (the queries are encoded together first), so a caller can answer it before the others."""

        searcher = self.searcher(wait=wait)
        revision = self._searcher_revision
        hard = [bool(structured.get("hard_filters")) for _, structured in requests]
        needs = [
            self.needs(text, **{n: v for n, v in structured.items() if n != "hard_filters"})
            for text, structured in requests
        ]
        version = searcher.model_version
        results: list[list[Explanation]] = []
        if not searcher.catalogue.products:  # nothing to rank: an empty result (see search_notice)
            ranked_each: Iterable[list[Match]] = ([] for _ in requests)
        else:
            ranked_each = searcher.rank_each(needs, k, hard=hard)
        for i, ranked in enumerate(ranked_each):
            results.append([explain(m, lexicon()) for m in ranked])
            if on_result is not None:
                on_result(i, results[-1], version, revision)
        return results, version, revision

    def rank_buyers(self, buyers: Sequence[Buyer], *, k: int = 10) -> dict[str, list[Explanation]]:
        """Ranked, explained IKMs for each buyer (buyers need not be in the store)."""

        searcher = self.searcher()
        if not searcher.catalogue.products:
            return {b.buyer_id: [] for b in buyers}
        results = searcher.rank_many([self.buyer_needs(b) for b in buyers], k)
        return {b.buyer_id: [explain(m, lexicon()) for m in r] for b, r in zip(buyers, results, strict=True)}

    @staticmethod
    def concepts(kind: str) -> list[Concept]:
        """The craft lexicon's concepts of one kind (``material``, ``product_type``, ``certification`` ...),
        with their Indonesian and English labels."""

        return list(lexicon().concepts(kind))

    @staticmethod
    def read_buyers(path: Path) -> list[Buyer]:
        """Validated buyers from a CSV or XLSX file, not stored; invalid rows raise ValidationFailed."""
        tables = [t for t in read_tables(path, Entity.BUYERS)]
        batch, issues = validate_tables(tables, set())
        report = ImportReport(issues=issues)
        if report.errors:
            raise ValidationFailed(report)
        if not batch.records[Entity.BUYERS]:
            raise ConfigError(f"{path}: no buyers found")
        return list(batch.records[Entity.BUYERS])
