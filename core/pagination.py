"""Pagination for the staff lists."""

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Nobody pages through more than this; counting a million matching rows costs more than
# showing a page of them (docs/benchmarks.md).
COUNT_CAP = 1_000


class CappedPaginator(Paginator):
    """A Paginator that stops counting at `cap` rows. `capped` is True when more rows match:
    the list then says "more than 1000" and the last page reachable is the cap's."""

    def __init__(self, object_list: Sequence | QuerySet, per_page: int, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            # Counting a LIMITed subquery: the database stops after cap + 1 rows (no ordering
            # needed to count them).
            found = self.object_list.order_by()[: self.cap + 1].count()
        else:
            found = len(self.object_list)
        self.capped = found > self.cap
        return min(found, self.cap)
