"""Verification sources (家庭经济状况核对): a small protocol, a registry, and the demo's
file-backed adapters. Each source answers for a list of ID numbers with findings."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civicgrid.core.identity import ID_LENGTH


@dataclass(frozen=True)
class Finding:
    """What one source knows about one person: a yearly income, an asset's value, a record."""

    id_number: str
    kind: str  # a "section:kind" key of the declaration, e.g. "income:wages", "asset:vehicle"
    amount_fen: int
    detail: str = ""


class SourceError(Exception):
    """The source did not answer usably (timeout, garbage, down): nothing may be decided."""


class Source(Protocol):
    name: str
    # The declaration keys this source is authoritative for.
    kinds: tuple[str, ...]

    def query(self, id_numbers: Sequence[str]) -> list[Finding]: ...


# name → (label, authoritative kinds). The provident fund only cross-checks wages.
SOURCES: dict[str, tuple[object, tuple[str, ...]]] = {
    "civil_affairs": (_("civil affairs"), ("income:transfer",)),
    "hrss": (_("human resources and social security"), ("income:wages",)),
    "housing": (_("housing"), ("asset:housing",)),
    "vehicles": (_("vehicles (public security)"), ("asset:vehicle",)),
    "market": (_("market regulation"), ("asset:business_registration",)),
    "tax": (_("tax"), ("income:business", "income:property")),
    "provident_fund": (_("housing provident fund"), ()),
    "banks": (_("banks"), ("asset:deposits",)),
    "securities": (_("securities"), ("asset:securities",)),
}

COUNTED = {"asset:vehicle", "asset:housing", "asset:business_registration"}


def parse_rows(rows: Sequence[Sequence[str]], source: str) -> list[Finding]:
    """Rows of (id_number, kind, amount_fen[, detail]); SourceError on anything else."""
    out = []
    for number, row in enumerate(rows, start=1):
        if len(row) < 3:
            raise SourceError(f"{source}: row {number} has {len(row)} fields")
        id_number, kind, amount = row[0].strip().upper(), row[1].strip(), row[2].strip()
        if len(id_number) != ID_LENGTH or not id_number[:17].isdigit():
            raise SourceError(f"{source}: row {number} has no valid ID number")
        if ":" not in kind:
            raise SourceError(f"{source}: row {number} has an unknown kind {kind!r}")
        try:
            fen = int(amount)
        except ValueError:
            raise SourceError(f"{source}: row {number} amount {amount!r} is not a number") from None
        if fen < 0:
            raise SourceError(f"{source}: row {number} has a negative amount")
        out.append(Finding(id_number, kind, fen, row[3].strip() if len(row) > 3 else ""))
    return out


class FileSource:
    """A demo source: one CSV file per department (id_number,kind,amount_fen,detail)."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.kinds = SOURCES[name][1]
        self.path = folder / f"{name}.csv"

    def query(self, id_numbers: Sequence[str]) -> list[Finding]:
        wanted = set(id_numbers)
        if not self.path.exists():
            raise SourceError(f"{self.name}: no data file {self.path.name}")
        with self.path.open(encoding="utf-8", newline="") as handle:
            rows = [row for row in csv.reader(handle) if row and row[0] != "id_number"]
        return [f for f in parse_rows(rows, self.name) if f.id_number in wanted]


Factory = Callable[[], list[Source]]
_factory: Factory | None = None


def source_folder() -> Path:
    return Path(getattr(settings, "ASSISTANCE_SOURCE_DIR", "") or settings.DATA_DIR / "sources")


def file_sources() -> list[Source]:
    folder = source_folder()
    return [FileSource(name, folder) for name in SOURCES]


def use(factory: Factory | None) -> None:
    """Plug in other sources (a deployment's real ones, or a test's); None → the files."""
    global _factory
    _factory = factory


def sources() -> list[Source]:
    return (_factory or file_sources)()


@dataclass(frozen=True)
class Answer:
    source: str
    ok: bool
    findings: tuple[Finding, ...] = ()
    error: str = ""


def ask_all(id_numbers: Sequence[str], timeout: float | None = None) -> list[Answer]:
    """Ask every source at once, each within `timeout` seconds; a failure is an answer too."""
    timeout = timeout or float(getattr(settings, "ASSISTANCE_SOURCE_TIMEOUT", 10))
    plugged = sources()
    pool = ThreadPoolExecutor(max_workers=max(1, len(plugged)))
    try:
        futures = [(s, pool.submit(s.query, list(id_numbers))) for s in plugged]
        answers = []
        for source, future in futures:
            try:
                answers.append(Answer(source.name, True, tuple(future.result(timeout=timeout))))
            except FutureTimeout:
                answers.append(Answer(source.name, False, error="timed out"))
            except SourceError as exc:
                answers.append(Answer(source.name, False, error=str(exc)[:200]))
            except Exception as exc:  # any broken source makes the run incomplete
                answers.append(Answer(source.name, False, error=type(exc).__name__))
        return answers
    finally:
        # Do not wait for a hung source: its thread ends when its call returns.
        pool.shutdown(wait=False, cancel_futures=True)
