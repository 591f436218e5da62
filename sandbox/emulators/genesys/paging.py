"""Genesys' page-number paging envelope, shared by every list endpoint.

Genesys pages from 1 with `pageSize` (default 25) and answers `total`, `pageCount` and the
navigation URIs the SDK's `*EntityListing` models carry; a page past the end is empty.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from sandbox.emulators.core import Request
from sandbox.emulators.genesys.errors import bad_request

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 25


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_one(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer, not {raw!r}") from None


def page_params(request: Request, max_page_size: int) -> tuple[int, int]:
    """(pageNumber, pageSize), validated: out of range is a 400, not a silent clamp."""
    size = _int_param(request, "pageSize", DEFAULT_PAGE_SIZE)
    number = _int_param(request, "pageNumber", 1)
    if not 1 <= size <= max_page_size:
        raise bad_request(f"pageSize must be between 1 and {max_page_size}, not {size}")
    if number < 1:
        raise bad_request(f"pageNumber must be 1 or more, not {number}")
    return number, size


def page(
    request: Request,
    items: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    max_page_size: int,
) -> dict[str, Any]:
    number, size = page_params(request, max_page_size)
    total = len(items)
    count = math.ceil(total / size)
    start = (number - 1) * size
    keep = {k: v for k, v in request.query.items() if k not in ("pageSize", "pageNumber")}

    def uri(n: int) -> str:
        query = urlencode({"pageSize": size, "pageNumber": n, **keep}, doseq=True)
        return f"{request.path}?{query}"

    body: dict[str, Any] = {
        "entities": [render(item) for item in items[start : start + size]],
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "pageCount": count,
        "firstUri": uri(1),
        "selfUri": uri(number),
        "lastUri": uri(max(count, 1)),
    }
    if number < count:
        body["nextUri"] = uri(number + 1)
    if number > 1:
        body["previousUri"] = uri(number - 1)
    return body
