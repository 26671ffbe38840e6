"""Query results that become API rows only for the page asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet


class LazyRows:
    """What ninja's paginator needs (a length and slices) without building every row.

    Building all matches for every page cost ~0.5 s for a common surname in a city-sized
    register; the paginator only needs the count and one slice.
    """

    def __init__(
        self, found: QuerySet[Any], row: Callable[[Any], dict[str, Any]], *, limit: int
    ) -> None:
        self.found, self.row, self.limit = found, row, limit

    def __len__(self) -> int:
        # Unordered: the count needs no sort of the matches.
        return int(self.found.order_by()[: self.limit].count())

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        start, stop = page.start or 0, min(page.stop or self.limit, self.limit)
        return [self.row(item) for item in self.found[start:stop]] if start < stop else []
