"""Twilio's two list envelopes and its page-token paging.

Both APIs page the same way: `PageSize` (1-1000, default 50), `Page` (an index the client
echoes back) and `PageToken` (opaque; ours names the last resource of the previous page, so
a page never skips or repeats records when others are created or deleted meanwhile).
Api v2010 returns `next_page_uri` (host-relative); Trunking v1 returns `meta.next_page_url`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

from sandbox.emulators.twilio.errors import INVALID_PAGE_TOKEN, bad_request
from sandbox.emulators.twilio.inputs import Params, integer, one

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class Sequenced(Protocol):
    @property
    def seq(self) -> int: ...


T = TypeVar("T", bound=Sequenced)


@dataclass
class Page:
    items: list[Any]
    page: int
    page_size: int
    start: int
    has_next: bool
    next_token: str | None


def _token(seq: int) -> str:
    return f"PA{seq:032x}"


def _after(token: str) -> int:
    if len(token) != 34 or not token.startswith("PA"):
        raise bad_request(f"PageToken {token!r} is not valid", INVALID_PAGE_TOKEN)
    try:
        return int(token[2:], 16)
    except ValueError:
        raise bad_request(f"PageToken {token!r} is not valid", INVALID_PAGE_TOKEN) from None


def paginate(items: Sequence[T], query: Params, *, newest_first: bool = False) -> Page:
    """Cut one page out of `items` (already filtered, in creation order, or the reverse with
    `newest_first`: a page token then names the oldest record of the previous page)."""
    size = integer(query, "PageSize", 1, MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE
    page = integer(query, "Page", 0, 10**9) or 0
    token = one(query, "PageToken")
    if token:
        after = _after(token)
        start = next(
            (
                i
                for i, item in enumerate(items)
                if (item.seq < after if newest_first else item.seq > after)
            ),
            len(items),
        )
    else:
        start = page * size
    chunk = list(items[start : start + size])
    has_next = start + size < len(items)
    return Page(
        items=chunk,
        page=page,
        page_size=size,
        start=start,
        has_next=has_next,
        next_token=_token(chunk[-1].seq) if has_next and chunk else None,
    )


def _query(filters: dict[str, str], **paging: str | int | None) -> str:
    pairs = [*filters.items(), *((k, str(v)) for k, v in paging.items() if v is not None)]
    return urlencode(pairs)


def v2010_envelope(
    key: str, records: list[dict[str, Any]], page: Page, path: str, filters: dict[str, str]
) -> dict[str, Any]:
    """`{key: [...], start, end, page, page_size, uri, first/next/previous_page_uri}`."""

    def uri(**paging: str | int | None) -> str:
        return f"{path}?{_query(filters, PageSize=page.page_size, **paging)}"

    return {
        key: records,
        "end": page.start + max(len(records) - 1, 0),
        "first_page_uri": uri(Page=0),
        "next_page_uri": (
            uri(Page=page.page + 1, PageToken=page.next_token) if page.has_next else None
        ),
        "page": page.page,
        "page_size": page.page_size,
        "previous_page_uri": uri(Page=page.page - 1) if page.page > 0 else None,
        "start": page.start,
        "uri": uri(Page=page.page),
    }


def v1_envelope(
    key: str,
    records: list[dict[str, Any]],
    page: Page,
    url: str,
    filters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`{key: [...], meta: {first_page_url, key, next_page_url, page, page_size, ...}}`; the
    links carry the list's filters, so the SDK's next page is filtered too."""

    def link(**paging: str | int | None) -> str:
        return f"{url}?{_query(filters or {}, PageSize=page.page_size, **paging)}"

    return {
        key: records,
        "meta": {
            "first_page_url": link(Page=0),
            "key": key,
            "next_page_url": (
                link(Page=page.page + 1, PageToken=page.next_token) if page.has_next else None
            ),
            "page": page.page,
            "page_size": page.page_size,
            "previous_page_url": link(Page=page.page - 1) if page.page > 0 else None,
            "url": link(Page=page.page),
        },
    }
