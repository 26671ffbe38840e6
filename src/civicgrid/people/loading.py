"""Bulk loading of a generated population into the register (COPY on PostgreSQL, batches on SQLite)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from civicgrid.core.identity import check_character
from civicgrid.people.models import Household, Resident, ResidentTag
from civicgrid.people.population import (
    DISABILITY_TYPES,
    LOW_INCOME_KINDS,
    RELATIONS,
    RESIDENCE_TYPES,
    TAGS,
    Population,
    generate_population,
)
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region

MICROGRIDS_PER_CHUNK = 5_000  # ≈ 1 M residents: bounds the memory of a city or province load
ROWS_PER_BATCH = 200_000

Column = npt.NDArray[Any]
BoolArray = npt.NDArray[np.bool_]

HOUSEHOLD_COLUMNS = ("id", "number", "region_id", "address", "created_at", "updated_at")
RESIDENT_COLUMNS = (
    "id",
    "name",
    "id_number",
    "gender",
    "birth_date",
    "phone",
    "household_id",
    "relation",
    "region_id",
    "residence_type",
    "created_at",
    "updated_at",
)
TAG_COLUMNS = ("id", "resident_id", "tag", "kind", "grade", "region_code")


@dataclass(frozen=True)
class LoadResult:
    """What a load wrote (and, for load_area, how many micro-grids it skipped as filled)."""

    microgrids: int = 0
    households: int = 0
    residents: int = 0
    tags: int = 0
    id_numbers_moved: int = 0
    skipped_microgrids: int = 0
    generation_seconds: float = 0.0  # of `seconds`, spent generating (load_area only)
    seconds: float = 0.0

    def __add__(self, other: LoadResult) -> LoadResult:
        return LoadResult(
            **{
                name: getattr(self, name) + getattr(other, name)
                for name in self.__dataclass_fields__
            }
        )

    def __str__(self) -> str:
        return (
            f"{self.households:,} households, {self.residents:,} residents, {self.tags:,} tags "
            f"in {self.microgrids:,} micro-grids ({self.skipped_microgrids:,} already filled) "
            f"in {self.seconds:.1f}s ({self.generation_seconds:.1f}s of it generating)"
        )


# --- the whole area -----------------------------------------------------------------------------


def load_area(
    *, area_code: str, seed: int, on: date | None = None, chunk: int = MICROGRIDS_PER_CHUNK
) -> LoadResult:
    """Generate and load the people of every empty micro-grid under `area_code`.

    Household counts come from the micro-grid rows (as the grid generator set them). A
    micro-grid that already has a household is skipped, so a second run adds nothing. All or
    nothing: one transaction. The micro-grids are generated in chunks, which keeps memory
    bounded for a city; ID numbers stay unique across chunks and against the people already
    registered (a clash gets another order code of the same gender). When the load at least
    doubles the register (a fresh database), plain indexes (and on PostgreSQL foreign keys)
    are dropped and rebuilt around it, as pg_restore does: the tables stay locked meanwhile.
    """
    started = time.perf_counter()
    microgrids = _empty_microgrids(area_code)
    total = LoadResult(skipped_microgrids=microgrids.skipped)
    if not microgrids.pairs:
        return replace(total, seconds=time.perf_counter() - started)
    households = sum(count for _code, count in microgrids.pairs)
    with _fast_sqlite_writes(), transaction.atomic():
        large = households >= Household.all_objects.count()
        with _rebuilt_afterwards() if large else nullcontext():
            total += _load_chunks(microgrids.pairs, seed=seed, on=on, chunk=chunk)
    if connection.vendor == "postgresql":
        _analyze()
    return replace(total, seconds=time.perf_counter() - started)


def _load_chunks(
    pairs: list[tuple[str, int]], *, seed: int, on: date | None, chunk: int
) -> LoadResult:
    total = LoadResult()
    taken = _registered_id_numbers()
    for start in range(0, len(pairs), chunk):
        generating = time.perf_counter()
        population = generate_population(pairs[start : start + chunk], seed=seed, on=on)
        moved = _make_unique_against(population, taken)
        generated = LoadResult(
            id_numbers_moved=moved, generation_seconds=time.perf_counter() - generating
        )
        total += generated + load_population(population)
        # Two sorted runs: the stable sort (timsort) merges them in linear time.
        taken = np.sort(
            np.concatenate([taken, np.sort(_first17(population.id_number))]), kind="stable"
        )
        del population
    return total


@dataclass(frozen=True)
class _Microgrids:
    pairs: list[tuple[str, int]]
    skipped: int


def _empty_microgrids(area_code: str) -> _Microgrids:
    rows = (
        Region.all_objects.filter(level=Level.MICROGRID, code__startswith=area_code)
        .order_by("code")
        .values_list("code", "households")
    )
    filled = set(
        Household.all_objects.filter(region__code__startswith=area_code)
        .values_list("region_id", flat=True)
        .distinct()
    )
    pairs = [(code, households) for code, households in rows if code not in filled]
    return _Microgrids(pairs=pairs, skipped=len(filled))


def _first17(id_numbers: npt.NDArray[np.bytes_]) -> npt.NDArray[np.int64]:
    """The first 17 digits of each ID number as an integer (the 18th is only a check); -1 where
    they are not all digits."""
    digits = id_numbers.astype("S18").view(np.uint8).reshape(-1, 18)[:, :17].astype(np.int64) - 48
    weights = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    valid = ((digits >= 0) & (digits <= 9)).all(axis=1)
    return np.where(valid, (digits * weights).sum(axis=1), -1)


def _registered_id_numbers() -> npt.NDArray[np.int64]:
    numbers = list(Resident.all_objects.values_list("id_number", flat=True))
    first17 = _first17(np.array(numbers, dtype="S18"))
    return np.unique(first17[first17 >= 0])  # hand-entered rows could hold anything


def _make_unique_against(population: Population, taken: npt.NDArray[np.int64]) -> int:
    """Give residents whose number is already taken a free order code (same parity = gender).

    The generator keeps numbers unique within one run; across chunks and against the register
    a few thousand clash in a city (same county, same birthday, same random order code).
    """
    number17 = _first17(population.id_number)
    clashing = np.flatnonzero(_contains(taken, number17))
    if clashing.size == 0:
        return 0
    own = np.sort(number17)
    given: dict[int, set[int]] = {}  # order codes handed out here, by region and birth date
    for person in clashing.tolist():
        key, order = divmod(int(number17[person]), 1000)
        used = _orders_used(taken, key) | _orders_used(own, key) | given.setdefault(key, set())
        free = next((o for o in range(order % 2, 1000, 2) if o not in used), None)
        if free is None:  # 500 people of one gender born on one day in one county
            raise ValueError(f"no free ID order code for region/date {key}")
        given[key].add(free)
        first17 = f"{key * 1000 + free:017d}"
        population.id_number[person] = (first17 + check_character(first17)).encode()
    return int(clashing.size)


def _contains(sorted_numbers: npt.NDArray[np.int64], numbers: npt.NDArray[np.int64]) -> BoolArray:
    """Which of `numbers` are in the sorted array (np.isin would sort both again)."""
    if sorted_numbers.size == 0:
        return np.zeros(numbers.shape[0], dtype=bool)
    at = np.minimum(np.searchsorted(sorted_numbers, numbers), sorted_numbers.size - 1)
    return sorted_numbers[at] == numbers


def _orders_used(sorted_numbers: npt.NDArray[np.int64], key: int) -> set[int]:
    lo, hi = np.searchsorted(sorted_numbers, [key * 1000, key * 1000 + 1000])
    return set((sorted_numbers[lo:hi] % 1000).tolist())


# --- one population -----------------------------------------------------------------------------


def load_population(population: Population, *, batch: int = ROWS_PER_BATCH) -> LoadResult:
    """Write a generated population's households, residents and tags in one transaction.

    A bulk load of synthetic people is not a change made by a person, so it bypasses the ORM's
    per-row saves and django-simple-history: no historical rows, no signals. Primary keys are
    assigned here, continuing after each table's current maximum, so residents point at their
    households without a lookup; PostgreSQL's id sequences are moved past them afterwards.
    The caller must make sure the households' numbers and the ID numbers are free.
    """
    started = time.perf_counter()
    tables = _Tables.of(population)
    with _fast_sqlite_writes(), transaction.atomic():
        first = _next_ids()
        now = _stamp()
        _write(tables.households(first, now), batch)
        _write(tables.residents(first, now), batch)
        _write(tables.tags(first), batch)
        if connection.vendor == "postgresql":
            _reset_sequences()
    return LoadResult(
        microgrids=int(population.microgrid_codes.shape[0]),
        households=population.n_households,
        residents=population.n_residents,
        tags=tables.n_tags,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class _Table:
    name: str
    columns: Sequence[str]
    values: list[Column]  # one array per column; S (UTF-8 bytes) or integer dtypes
    nullable_zero: frozenset[str] = frozenset()  # integer columns where 0 means NULL

    @property
    def rows(self) -> int:
        return int(self.values[0].shape[0])


@dataclass
class _Tables:
    """The population's columns turned into the tables' column values."""

    population: Population
    tag_resident: npt.NDArray[np.int64]
    tag_code: npt.NDArray[np.int8]  # index into TAGS

    @classmethod
    def of(cls, population: Population) -> _Tables:
        residents, codes = [], []
        for index, bit in enumerate(TAGS.values()):
            who = np.flatnonzero(population.tags & bit)
            residents.append(who)
            codes.append(np.full(who.shape[0], index, dtype=np.int8))
        resident = np.concatenate(residents).astype(np.int64)
        code = np.concatenate(codes)
        # Sorted by resident, so the (resident, tag) unique index is filled in order.
        order = np.lexsort((code, resident))
        return cls(population, resident[order], code[order])

    @property
    def n_tags(self) -> int:
        return int(self.tag_resident.shape[0])

    def households(self, first: dict[str, int], now: bytes) -> _Table:
        p = self.population
        n = p.n_households
        return _Table(
            Household._meta.db_table,
            HOUSEHOLD_COLUMNS,
            [
                np.arange(first["household"], first["household"] + n, dtype=np.int64),
                p.household_number,
                p.household_microgrid,
                _utf8(p.household_address),
                _repeat(now, n),
                _repeat(now, n),
            ],
        )

    def residents(self, first: dict[str, int], now: bytes) -> _Table:
        p = self.population
        n = p.n_residents
        return _Table(
            Resident._meta.db_table,
            RESIDENT_COLUMNS,
            [
                np.arange(first["resident"], first["resident"] + n, dtype=np.int64),
                _utf8(p.name),
                p.id_number,
                p.gender,
                p.birth_date.astype("S10"),
                p.phone,
                p.household.astype(np.int64) + first["household"],
                _choices(RELATIONS)[p.relation],
                p.household_microgrid[p.household],
                _choices(RESIDENCE_TYPES)[p.residence_type],
                _repeat(now, n),
                _repeat(now, n),
            ],
        )

    def tags(self, first: dict[str, int]) -> _Table:
        p = self.population
        who, code = self.tag_resident, self.tag_code
        names = list(TAGS)
        disabled, low_income = names.index("disabled"), names.index("low_income")
        kind = np.where(
            code == disabled,
            _choices(DISABILITY_TYPES)[p.disability_type[who]],
            np.where(code == low_income, _choices(LOW_INCOME_KINDS)[p.low_income_kind[who]], b""),
        )
        grade = np.where(code == disabled, p.disability_grade[who], 0).astype(np.int64)
        return _Table(
            ResidentTag._meta.db_table,
            TAG_COLUMNS,
            [
                np.arange(first["tag"], first["tag"] + who.shape[0], dtype=np.int64),
                who + first["resident"],
                _choices(tuple(names))[code],
                kind,
                grade,
                p.household_microgrid[p.household[who]],
            ],
            nullable_zero=frozenset({"grade"}),
        )


def _choices(values: tuple[str, ...]) -> npt.NDArray[np.bytes_]:
    return np.array([v.encode() for v in values], dtype="S")


def _utf8(text: npt.NDArray[np.str_]) -> npt.NDArray[np.bytes_]:
    return np.strings.encode(text, "utf-8")


def _repeat(value: bytes, n: int) -> npt.NDArray[np.bytes_]:
    return np.full(n, value, dtype=f"S{len(value)}")


def _stamp() -> bytes:
    # The backend's own text for a timestamp (SQLite stores text; COPY parses the same).
    value = connection.ops.adapt_datetimefield_value(timezone.now())
    return str(value).encode()


def _next_ids() -> dict[str, int]:
    return {
        key: (model.all_objects.aggregate(top=Max("id"))["top"] or 0) + 1  # type: ignore[attr-defined]
        for key, model in (("household", Household), ("resident", Resident), ("tag", ResidentTag))
    }


def _reset_sequences() -> None:
    with connection.cursor() as cursor:
        for model in (Household, Resident, ResidentTag):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - model names
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
            )


def _analyze() -> None:
    # Autovacuum would get there, but until then the planner thinks the tables are empty.
    tables = ", ".join(m._meta.db_table for m in (Household, Resident, ResidentTag))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


# --- writing ------------------------------------------------------------------------------------


def _write(table: _Table, batch: int) -> None:
    for start in range(0, table.rows, batch):
        values = [column[start : start + batch] for column in table.values]
        if connection.vendor == "postgresql":
            _copy(table, values)
        else:
            _insert(table, values)


def _copy(table: _Table, values: list[Column]) -> None:
    text = _copy_text(values, table.columns, table.nullable_zero)
    sql = f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN"
    # Django's cursor wrapper hands .copy() through to the psycopg 3 cursor.
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(text)


def _copy_text(
    values: list[Column], columns: Sequence[str], nullable_zero: frozenset[str]
) -> bytes:
    """COPY text format for a batch, built without a Python loop over rows.

    Every field becomes a fixed-width byte matrix padded with NUL bytes; the fields are laid
    side by side with tab and newline columns between them and the padding is dropped with
    one mask. Generated text has no backslash, tab or newline, so nothing needs escaping;
    that is checked rather than assumed.
    """
    n = values[0].shape[0]
    parts: list[npt.NDArray[np.uint8]] = []
    for i, (name, column) in enumerate(zip(columns, values, strict=True)):
        field = _as_bytes(column, null_if_zero=name in nullable_zero)
        matrix = field.view(np.uint8).reshape(n, field.dtype.itemsize)
        if column.dtype.kind == "S" and np.isin(matrix, (9, 10, 92)).any():
            raise ValueError(f"{name}: text with a tab, newline or backslash needs escaping")
        parts.append(matrix)
        parts.append(np.full((n, 1), 10 if i == len(values) - 1 else 9, dtype=np.uint8))
    rows = np.hstack(parts)
    return rows[rows != 0].tobytes()


def _as_bytes(column: Column, *, null_if_zero: bool) -> npt.NDArray[np.bytes_]:
    if column.dtype.kind == "S":
        # A 0-width S column (all empty) has no bytes to view; widen it by one NUL.
        return column if column.dtype.itemsize else column.astype("S1")
    text = column.astype("S20")
    return np.where(column == 0, b"\\N", text) if null_if_zero else text


def _insert(table: _Table, values: list[Column]) -> None:
    placeholders = ", ".join(["%s"] * len(table.columns))
    sql = f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({placeholders})"  # noqa: S608
    lists = [
        _python_values(name in table.nullable_zero, column)
        for name, column in zip(table.columns, values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(zip(*lists, strict=True)))


def _python_values(null_if_zero: bool, column: Column) -> list[Any]:
    if column.dtype.kind == "S":
        return np.strings.decode(column, "utf-8").tolist()  # type: ignore[no-any-return]
    if null_if_zero:
        boxed = column.astype(object)
        boxed[column == 0] = None
        return boxed.tolist()  # type: ignore[no-any-return]
    return column.tolist()  # type: ignore[no-any-return]


@contextmanager
def _fast_sqlite_writes() -> Iterator[None]:
    """SQLite without fsyncs and with a big page cache for the length of a bulk load."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        (synchronous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute("PRAGMA synchronous=OFF")
        # The default 2 MB page cache thrashes once the random-order indexes (ID number,
        # phone, name) outgrow it; a city's load then spends most of its time re-reading pages.
        cursor.execute("PRAGMA cache_size=-1000000")  # KiB: 1 GB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
            cursor.execute(f"PRAGMA cache_size={int(cache_size)}")


# --- rebuilding indexes and foreign keys around a large load ------------------------------------

_PEOPLE_TABLES = [m._meta.db_table for m in (Household, Resident, ResidentTag)]


@contextmanager
def _rebuilt_afterwards() -> Iterator[None]:
    """Drop the people tables' plain indexes (and PostgreSQL foreign keys), rebuild them after.

    Building an index once from sorted data is many times faster than growing it row by row,
    and adding a foreign key checks all rows in one join instead of one trigger per row. Must
    run in a transaction: on any error the dropped structures come back with the rollback.
    """
    postgresql = connection.vendor == "postgresql"
    statements = _pg_structures() if postgresql else _sqlite_indexes()
    with connection.cursor() as cursor:
        if postgresql:
            # Runs the foreign-key checks still pending in this transaction (Django's are
            # deferred): PostgreSQL refuses to alter a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _create, drop in statements:
            cursor.execute(drop)
    yield
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for create, _drop in reversed(statements):
            cursor.execute(create)
        if postgresql:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's default, back again


def _pg_structures() -> list[tuple[str, str]]:
    """(create, drop) statements: foreign keys, unique constraints, then plain indexes.

    Dropped in that order and created in the reverse; the primary keys stay, so the foreign
    keys have their targets. Unique constraints are rebuilt too: a random-order unique index
    (the ID number) is the dearest to grow row by row, and a duplicate still fails the
    rebuild, which rolls the whole load back.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', conrelid::regclass::text,
                          conname, pg_get_constraintdef(oid)),
                   format('ALTER TABLE %%I DROP CONSTRAINT %%I', conrelid::regclass::text, conname)
            FROM pg_constraint
            WHERE contype IN ('f', 'u') AND conrelid::regclass::text = ANY(%s)
            ORDER BY contype, conname
            """,
            [_PEOPLE_TABLES],
        )
        constraints = cursor.fetchall()
        # Indexes behind constraints go and come back with them; the primary key's stays.
        cursor.execute(
            """
            SELECT i.indexdef, format('DROP INDEX %%I.%%I', i.schemaname, i.indexname)
            FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c
                WHERE c.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass
                  AND c.contype IN ('p', 'u', 'x'))
            ORDER BY i.indexname
            """,
            [_PEOPLE_TABLES],
        )
        return [*constraints, *cursor.fetchall()]


def _sqlite_indexes() -> list[tuple[str, str]]:
    # Named indexes only: the automatic ones behind UNIQUE have no SQL and stay.
    marks = ", ".join(["%s"] * len(_PEOPLE_TABLES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sql, 'DROP INDEX \"' || name || '\"' FROM sqlite_master "  # noqa: S608
            f"WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY name",
            _PEOPLE_TABLES,
        )
        return list(cursor.fetchall())
