"""The database: a SQLAlchemy 2.x engine over the tables of :mod:`matching.store.tables`, Alembic
migrations, and the catalogue's upserts with created/updated counts.

SQLite in the data home is the embedded default; the SQL is kept portable (JSON columns, string keys,
no SQLite-only statements), so a PostgreSQL URL works as well (``postgresql+psycopg://...``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from matching.catalogue.report import EntityCounts, ValidatedBatch
from matching.catalogue.schema import COLUMNS, IKM, RECORD_TYPES, Buyer, Entity, Product
from matching.errors import ConflictError, NotFoundError, StoreBusy, StoreError
from matching.store.tables import Base, BuyerRow, IkmRow, MetaRow, ProductRow

__all__ = ["BUSY_TIMEOUT", "WRITE_BATCH", "Store", "plain_store_error"]


REVISION = "catalogue_revision"
STORED = {"stored": True}  # validation context of records read back (ids are judged at import, not again)
# columns a listing may filter on by equality (strings compare case-insensitively)
FILTERS: dict[Entity, tuple[str, ...]] = {
    Entity.IKMS: ("province", "regency", "ovop_stars"),
    Entity.PRODUCTS: ("ikm_id", "material", "category"),
    Entity.BUYERS: ("country",),
}

ROW_TYPES: dict[Entity, type[IkmRow] | type[ProductRow] | type[BuyerRow]] = {
    Entity.IKMS: IkmRow,
    Entity.PRODUCTS: ProductRow,
    Entity.BUYERS: BuyerRow,
}
MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT = 15.0  # seconds a write waits for another writer (e.g. an import's batch) before giving up
MIGRATION_LOCK = 0x494B4D  # PostgreSQL advisory lock key held while migrating ("IKM")
INDEX_LOCK = 0x494B4D01  # ... and while a replica brings the shared search index in line with the catalogue
WRITE_BATCH = 2_000  # records per import transaction: readers and other writers get turns in between


def _record_fields(entity: Entity) -> list[str]:
    return [spec.name for spec in COLUMNS[entity]] + ["attributes"]


class Store:
    """The catalogue database. ``Store(url)`` connects and brings the schema to the newest migration."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        try:
            parsed = make_url(url)
            file = parsed.database or ""
            # a URI (``file:...?mode=ro&uri=true``) opens an existing file: no folder to make
            if (
                parsed.get_backend_name() == "sqlite"
                and file not in ("", ":memory:")
                and not file.startswith("file:")
            ):
                Path(file).parent.mkdir(parents=True, exist_ok=True)
            options: dict[str, Any] = {}
            if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
                # no server-side prepared statements: psycopg prepares a query after 5 runs, and the plan
                # kept then (a table still empty at the start of an import: scan it whole) stayed as the
                # table grew, so each batch's id lookup read every row so far (100k products: 83 s -> 11 s)
                options["connect_args"] = {"prepare_threshold": None}
            self.engine: SqlEngine = create_engine(url, future=True, **options)
        except (SQLAlchemyError, ValueError, OSError) as exc:
            shown = url.split("@")[-1] if "@" in url else url  # never a password
            raise StoreError(f"cannot open database {shown!r} ({type(exc).__name__})") from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if migrate:
            self.upgrade()

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision``."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # replicas starting at once on one database: one migrates, the others wait for it (the
                    # lock ends with this transaction) and then find the schema at head; without it, two
                    # CREATE TABLEs of a fresh database clash and one replica fails to start
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except SQLAlchemyError as exc:
            raise plain_store_error(exc, f"migrating the database {self.where}") from exc

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def where(self) -> str:
        """The database as messages name it: a SQLite file's path, else the URL without its password."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            return parsed.database.removeprefix("file:")
        return parsed.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def advisory_lock(self, key: int) -> Iterator[bool]:
        """Hold PostgreSQL's advisory lock ``key`` for the block: every process using this database, on any
        machine, that asks for the same key waits until it is released (or this connection ends).

        Yields True while held; on other databases it holds nothing and yields False (the caller then
        needs a lock of its own, e.g. a file lock beside a SQLite file)."""
        if self.engine.dialect.name != "postgresql":
            yield False
            return
        try:
            connection = self.engine.connect()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            connection.commit()  # the lock belongs to the session, not to a transaction
        except SQLAlchemyError as exc:
            raise plain_store_error(exc, f"locking the database {self.where}") from exc
        try:
            yield True
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
            except SQLAlchemyError:
                connection.invalidate()  # closed, not pooled: the server drops the lock with the session
            finally:
                connection.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session; a database error inside becomes a plain :class:`StoreError` (no SQL, no values)."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except SQLAlchemyError as exc:
            raise plain_store_error(exc, f"using the database {self.where}") from exc

    # -- reading ---------------------------------------------------------------------------------------

    def ids(self, entity: Entity) -> set[str]:
        row_type = ROW_TYPES[entity]
        key = getattr(row_type, COLUMNS[entity][0].name)
        with self.session() as session:
            return set(session.scalars(select(key)))

    def _all(self, entity: Entity) -> list[Any]:
        return list(self._each(entity))

    def _each(self, entity: Entity, chunk: int = 10_000) -> Iterator[Any]:
        """The records of ``entity`` by id, read ``chunk`` rows at a time.

        Columns, not ORM objects: read as ORM rows, a million products took 48 s and ~2.3 GB at once (each
        row with its identity-map state); as columns 26 s and ~1.9 GB, and a caller that consumes the
        records as they come (:meth:`each_product`) holds only a chunk of them."""
        row_type = ROW_TYPES[entity]
        validate = RECORD_TYPES[entity].model_validate
        fields = _record_fields(entity)
        query = select(*(getattr(row_type, f) for f in fields)).order_by(getattr(row_type, fields[0]))
        with self.session() as session:
            for row in session.execute(query.execution_options(yield_per=chunk)):
                yield validate(dict(zip(fields, row, strict=True)), context=STORED)

    def ikms(self) -> list[IKM]:
        return self._all(Entity.IKMS)

    def products(self) -> list[Product]:
        return self._all(Entity.PRODUCTS)

    def each_product(self) -> Iterator[Product]:
        """The products one by one, by id, without holding them all (a catalogue build at a million)."""
        return self._each(Entity.PRODUCTS)

    def buyers(self) -> list[Buyer]:
        return self._all(Entity.BUYERS)

    def counts(self) -> dict[str, int]:
        """How many IKMs, products and buyers there are (count queries only: cheap for health probes)."""
        with self.session() as session:
            return {
                entity.value: int(session.scalar(select(func.count()).select_from(ROW_TYPES[entity])) or 0)
                for entity in Entity
            }

    def stats(self) -> dict[str, Any]:
        """Counts of the catalogue: totals, IKMs by province and by OVOP stars, products by material."""
        with self.session() as session:
            ikm_rows = session.execute(select(IkmRow.province, IkmRow.ovop_stars)).all()
            materials = session.scalars(select(ProductRow.material)).all()
            buyers = session.scalars(select(BuyerRow.country)).all()
        return {
            "ikms": len(ikm_rows),
            "products": len(materials),
            "buyers": len(buyers),
            "ikms_by_province": dict(Counter(p for p, _ in ikm_rows).most_common()),
            "ikms_by_stars": {
                ("unrated" if k is None else str(k)): v
                for k, v in sorted(
                    Counter(s for _, s in ikm_rows).items(), key=lambda kv: (kv[0] is None, kv[0])
                )
            },
            "products_by_material": dict(Counter((m or "(none)").lower() for m in materials).most_common()),
            "buyers_by_country": dict(Counter(c or "(none)" for c in buyers).most_common()),
        }

    # -- writing ---------------------------------------------------------------------------------------

    def write(self, batch: ValidatedBatch, *, dry_run: bool = False) -> dict[Entity, EntityCounts]:
        """Upsert every record of ``batch``; count created / updated / unchanged.

        Records are written in transactions of :data:`WRITE_BATCH` (IKMs, then products, then buyers), so
        searches, sign-ins and other writes are served between them. The trade-off: an import stopped
        half-way (killed, disk full) leaves the batches before it written; the upserts are idempotent, so
        running the same import again completes it (and only then raises the catalogue revision, which goes
        up once, after the last batch, when anything changed).

        With ``dry_run`` the counts are computed from reads alone: no write lock is taken.
        """
        counts = {e: EntityCounts(rejected=batch.rejected_rows[e]) for e in Entity}
        order = (Entity.IKMS, Entity.PRODUCTS, Entity.BUYERS)
        if dry_run:
            with self.session() as session:
                for entity in order:
                    self._upsert(session, entity, batch.records[entity], counts[entity], apply=False)
            return counts
        written = 0
        try:
            for entity in order:
                records = batch.records[entity]
                for start in range(0, len(records), WRITE_BATCH):
                    chunk = records[start : start + WRITE_BATCH]
                    with self.session() as session:
                        self._upsert(session, entity, chunk, counts[entity])
                        session.commit()
                    written += len(chunk)
            if any(c.created or c.updated for c in counts.values()):
                with self.session() as session:
                    self._bump_revision(session)
                    session.commit()
        except (StoreError, ConflictError, OverflowError) as exc:
            done = (
                "nothing was written"
                if not written
                else f"the first {written} records were written; run the same import again to finish it"
            )
            reason = str(exc) if not isinstance(exc, OverflowError) else "a number is too large to store"
            kind = type(exc) if isinstance(exc, (StoreError, ConflictError)) else StoreError
            raise kind(f"{reason} ({done})") from exc
        return counts

    def _upsert(
        self,
        session: Session,
        entity: Entity,
        records: list[Any],
        counts: EntityCounts,
        *,
        apply: bool = True,
    ) -> None:
        row_type = ROW_TYPES[entity]
        id_field = COLUMNS[entity][0].name
        fields = _record_fields(entity)
        ids = [getattr(r, id_field) for r in records]
        existing: dict[str, tuple[Any, ...]] = {}
        columns = [getattr(row_type, f) for f in fields]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in session.execute(select(*columns).where(getattr(row_type, id_field).in_(chunk))):
                existing[row[0]] = tuple(row)
        created: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for record in records:
            data = record.model_dump(include=set(fields))
            stored = existing.get(data[id_field])
            if stored is None:
                created.append(data)
            elif all(value == data[f] for f, value in zip(fields, stored, strict=True)):
                counts.unchanged += 1
            else:
                changed.append(data)
        counts.created += len(created)
        counts.updated += len(changed)
        if apply:
            # the drivers' executemany (psycopg pipelines it), no ORM object per row: INSERT into the table,
            # not the ORM class, which splits the rows into a statement per run of rows with the same empty
            # fields (~3 rows each here); UPDATE ... WHERE id = ? by primary key
            if created:
                session.execute(insert(Base.metadata.tables[row_type.__tablename__]), created)
            if changed:
                session.execute(update(row_type), changed)

    # -- single records (the service's create / read / update / delete) --------------------------------

    def revision(self) -> int:
        """The catalogue revision: it goes up with every committed change to IKMs, products or buyers."""
        with self.session() as session:
            value = session.scalar(select(MetaRow.value).where(MetaRow.key == REVISION))
        return int(value or 0)

    @staticmethod
    def _bump_revision(session: Session) -> None:
        changed = session.execute(
            update(MetaRow).where(MetaRow.key == REVISION).values(value=MetaRow.value + 1)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            session.add(MetaRow(key=REVISION, value=1))

    def has(self, entity: Entity, record_id: str) -> bool:
        """Whether ``entity`` holds the record ``record_id`` (one primary-key lookup)."""
        with self.session() as session:
            return session.get(ROW_TYPES[entity], record_id) is not None

    def get(self, entity: Entity, record_id: str) -> Any:
        """The record ``record_id`` of ``entity``; :class:`NotFoundError` when there is none."""
        row_type = ROW_TYPES[entity]
        with self.session() as session:
            row = session.get(row_type, record_id)
            if row is None:
                raise NotFoundError(f"{entity.singular} {record_id!r} does not exist")
            return RECORD_TYPES[entity].model_validate(
                {f: getattr(row, f) for f in _record_fields(entity)}, context=STORED
            )

    def page(
        self, entity: Entity, *, offset: int = 0, limit: int = 50, filters: dict[str, Any] | None = None
    ) -> tuple[list[Any], int]:
        """Records ``offset .. offset + limit`` of ``entity`` in id order, and how many match ``filters``.

        ``filters`` maps columns of :data:`FILTERS` to a value; strings compare case-insensitively.
        """
        row_type = ROW_TYPES[entity]
        key = getattr(row_type, COLUMNS[entity][0].name)
        conditions = []
        for name, value in (filters or {}).items():
            if name not in FILTERS[entity]:
                raise ValueError(f"cannot filter {entity.value} on {name!r}; use one of {FILTERS[entity]}")
            column = getattr(row_type, name)
            if isinstance(value, str):
                conditions.append(func.lower(column) == value.lower())
            else:
                conditions.append(column == value)
        fields = _record_fields(entity)
        with self.session() as session:
            total = session.scalar(select(func.count()).select_from(row_type).where(*conditions)) or 0
            rows = session.scalars(
                select(row_type).where(*conditions).order_by(key).offset(offset).limit(limit)
            ).all()
            records = [
                RECORD_TYPES[entity].model_validate({f: getattr(r, f) for f in fields}, context=STORED)
                for r in rows
            ]
        return records, int(total)

    def put(self, entity: Entity, record: Any, *, create: bool) -> Any:
        """Store one validated record: a new one (``create``; :class:`ConflictError` if its id is taken)
        or a replacement of an existing one (:class:`NotFoundError` if there is none)."""
        row_type = ROW_TYPES[entity]
        id_field = COLUMNS[entity][0].name
        record_id = getattr(record, id_field)
        data = record.model_dump(include=set(_record_fields(entity)))
        try:
            with self.session() as session:
                row = session.get(row_type, record_id)
                if create and row is not None:
                    raise ConflictError(f"{entity.singular} {record_id!r} exists already")
                if not create and row is None:
                    raise NotFoundError(f"{entity.singular} {record_id!r} does not exist")
                if entity is Entity.PRODUCTS and session.get(IkmRow, data["ikm_id"]) is None:
                    raise NotFoundError(f"ikm_id {data['ikm_id']!r} of product {record_id!r} does not exist")
                if row is None:
                    session.add(row_type(**data))
                else:
                    for name, value in data.items():
                        setattr(row, name, value)
                self._bump_revision(session)
                session.commit()
        except OverflowError as exc:
            raise StoreError(
                f"writing {entity.singular} {record_id!r} failed: a number is too large"
            ) from exc
        return record

    def delete(self, entity: Entity, record_id: str) -> None:
        """Delete one record (an IKM takes its products with it); :class:`NotFoundError` if absent."""
        row_type = ROW_TYPES[entity]
        key = getattr(row_type, COLUMNS[entity][0].name)
        with self.session() as session:
            if session.get(row_type, record_id) is None:
                raise NotFoundError(f"{entity.singular} {record_id!r} does not exist")
            if entity is Entity.IKMS:
                session.execute(delete(ProductRow).where(ProductRow.ikm_id == record_id))
            session.execute(delete(row_type).where(key == record_id))
            self._bump_revision(session)
            session.commit()


def plain_store_error(exc: SQLAlchemyError, doing: str) -> StoreError | ConflictError:
    """``exc`` as an engine error whose message says what failed and why in plain words.

    The driver's text is only looked at, never shown: it can hold SQL, parameters and row values
    (contacts among them). A lock held too long -> :class:`StoreBusy`; a uniqueness or reference clash
    (e.g. two imports of one file at once) -> :class:`ConflictError`; anything else -> :class:`StoreError`.
    """
    text = str(getattr(exc, "orig", None) or exc).lower()
    if isinstance(exc, IntegrityError):
        return ConflictError(
            f"{doing} failed: a record clashes with one stored meanwhile (another import or change of the "
            "same records at the same time?); try again"
        )
    if "locked" in text or "busy" in text:
        return StoreBusy(
            f"{doing} failed: the database stayed busy with another write (an import?) for over "
            f"{BUSY_TIMEOUT:g} s; try again shortly"
        )
    if "readonly" in text or "read-only" in text or "read only" in text:
        return StoreError(f"{doing} failed: the database is read-only (check the file's permissions)")
    if "disk is full" in text or "no space" in text:
        return StoreError(f"{doing} failed: the disk holding the database is full")
    if "unable to open" in text:
        return StoreError(
            f"{doing} failed: the database file cannot be opened (check the path and permissions)"
        )
    return StoreError(f"{doing} failed: database error ({type(exc).__name__})")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")  # wait for a writer, do not fail
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
