"""Pagination of large lists (queues, archives, worklists) at a real department's volume.

An exact `COUNT(*)` over a million-row scope costs more than the page itself, and a user
paging a queue does not need to know whether it holds 412,311 or 412,312 cases. So the count
is exact up to `EXACT_UP_TO` rows (a `COUNT(*)` over a `LIMIT`ed subquery, which stops early),
and beyond that it is PostgreSQL's planner estimate (one `EXPLAIN`, no rows read), marked
`count_is_estimate` so pages can say "about". On SQLite (the embedded default, small data)
the count beyond the limit is exact.
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

EXACT_UP_TO = 1000


def estimated_count(queryset) -> int | None:
    """The planner's estimate of the rows `queryset` returns (PostgreSQL), else None."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def bounded_count(queryset, *, exact_up_to: int = EXACT_UP_TO) -> tuple[int, bool]:
    """(count, is_estimate): exact when the queryset has at most `exact_up_to` rows (read
    with a LIMIT, so a large scope costs no more than `exact_up_to` index entries), else
    the planner's estimate (never below `exact_up_to + 1`), or the exact count where the
    database gives no estimate."""
    rows = queryset.order_by()
    # Only the ids are read: annotations the page shows (phones, counts) are not computed
    # for the rows counted.
    capped = rows.values("pk")[: exact_up_to + 1].count()
    if capped <= exact_up_to:
        return capped, False
    estimate = estimated_count(rows)
    if estimate is None:
        return rows.count(), False
    return max(estimate, exact_up_to + 1), True


class BoundedPaginator(Paginator):
    """Django's paginator with `bounded_count`: exact for small lists, estimated for
    large ones (`count_is_estimate`). Pages beyond the estimate answer as the last page."""

    exact_up_to = EXACT_UP_TO

    @cached_property
    def _bounded(self) -> tuple[int, bool]:
        if not hasattr(self.object_list, "query"):
            return len(self.object_list), False
        return bounded_count(self.object_list, exact_up_to=self.exact_up_to)

    @cached_property
    def count(self) -> int:
        return self._bounded[0]

    @property
    def count_is_estimate(self) -> bool:
        return self._bounded[1]
