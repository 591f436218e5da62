"""Twilio through the official SDK: numbers, Elastic SIP trunks and their origination URLs.

Building a trunk group's carrier side (trunks, origination URLs, credential lists, IP ACLs
and their trunk associations) is `TwilioTrunking`'s, in shared/adapters/twilio_trunking.py.

Every call runs under the one retry policy. Lists are read page by page at Twilio's maximum
page size (1000) with each page fetch retried on its own, so a blip on page 7 costs one
extra request, not a restart; N numbers cost ceil(N/1000) requests. Writes are idempotent:
each attempt first looks at the current state, so a retry after a lost answer (or a second
command for the same change) finds the work done and sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from twilio.base import values
from twilio.rest import Client

from shared.adapters.classify import classify
from shared.adapters.retry import RetryPolicy
from shared.adapters.twilio_trunking import TwilioTrunking, to_origination_url, to_trunk
from shared.domain.model import (
    AvailableNumber,
    NumberKind,
    OriginationUrl,
    TwilioAlert,
    TwilioChange,
    TwilioNumber,
    TwilioTrunk,
)

T = TypeVar("T")

log = logging.getLogger(__name__)

VENDOR = "twilio"
MAX_PAGE_SIZE = 1000  # IncomingPhoneNumbers and Trunking lists alike


def _number(instance: Any) -> TwilioNumber:
    return TwilioNumber(
        sid=instance.sid,
        phone_number=instance.phone_number,
        friendly_name=instance.friendly_name or "",
        trunk_sid=instance.trunk_sid or None,
    )


class TwilioAdapter(TwilioTrunking):
    """The Twilio operations byoc-sync needs, returning `shared.domain.model` values."""

    def __init__(self, client: Client, retry: RetryPolicy, page_size: int = MAX_PAGE_SIZE) -> None:
        self._client = client
        self._retry = retry
        self._page_size = page_size

    # ------------------------------------------------------------------ plumbing
    @property
    def _account(self) -> Any:
        return self._client.api.v2010.accounts(self._client.account_sid)

    @property
    def _trunks(self) -> Any:
        return self._client.trunking.v1.trunks

    def _call(self, operation: str, fn: Callable[[], T]) -> T:
        return self._retry.call(VENDOR, operation, fn)

    def _all(self, operation: str, first_page: Callable[[], Any]) -> Iterator[Any]:
        """Every record of a list, one retried request per page, following next_page_url."""
        page = self._call(f"{operation} (page 1)", first_page)
        number = 1
        while True:
            yield from page
            if not page.next_page_url:
                return
            number += 1
            page = self._call(f"{operation} (page {number})", page.next_page)

    # ------------------------------------------------------------------ reads
    def list_numbers(self) -> list[TwilioNumber]:
        """Every IncomingPhoneNumber of the account, with the trunk it sits on."""
        numbers = self._account.incoming_phone_numbers
        return [
            _number(n)
            for n in self._all("list numbers", lambda: numbers.page(page_size=self._page_size))
        ]

    def list_trunks(self) -> list[TwilioTrunk]:
        """Every Elastic SIP trunk with its settings (from the list itself) and its
        origination URLs (one list per trunk)."""
        trunks = list(
            self._all("list trunks", lambda: self._trunks.page(page_size=self._page_size))
        )
        return [to_trunk(trunk, tuple(self.list_origination_urls(trunk.sid))) for trunk in trunks]

    def list_origination_urls(self, trunk_sid: str) -> list[OriginationUrl]:
        urls = self._trunks(trunk_sid).origination_urls
        return [
            to_origination_url(u)
            for u in self._all(
                f"list origination URLs of {trunk_sid}",
                lambda: urls.page(page_size=self._page_size),
            )
        ]

    def termination_auth(self, trunk_sid: str) -> tuple[list[str], list[str]]:
        """Friendly names of the credential lists and IP access control lists associated
        with the trunk: how it authenticates the calls Genesys sends through it."""
        trunk = self._trunks(trunk_sid)
        credentials = [
            c.friendly_name or c.sid
            for c in self._all(
                f"list credential lists of {trunk_sid}",
                lambda: trunk.credentials_lists.page(page_size=self._page_size),
            )
        ]
        acls = [
            a.friendly_name or a.sid
            for a in self._all(
                f"list IP access control lists of {trunk_sid}",
                lambda: trunk.ip_access_control_lists.page(page_size=self._page_size),
            )
        ]
        return credentials, acls

    def changes_since(self, event_type: str, start: datetime) -> list[TwilioChange]:
        """Monitor events of `event_type` on or after `start`, oldest first. One filter
        besides the dates: Twilio refuses several in one request."""
        events = self._client.monitor.v1.events

        def first_page() -> Any:
            return events.page(event_type=event_type, start_date=start, page_size=self._page_size)

        found = [
            TwilioChange(
                sid=e.sid,
                event_type=e.event_type,
                resource_sid=e.resource_sid,
                event_date=e.event_date,
            )
            for e in self._all(f"list {event_type} events", first_page)
        ]
        return sorted(found, key=lambda change: (change.event_date, change.sid))

    def alerts_since(self, start: datetime) -> list[TwilioAlert]:
        alerts = self._client.monitor.v1.alerts

        def first_page() -> Any:
            return alerts.page(start_date=start, page_size=self._page_size)

        found = [
            TwilioAlert(
                sid=a.sid,
                error_code=a.error_code or "",
                event_date=a.date_generated,
                log_level=a.log_level or "error",
                alert_text=a.alert_text or "",
                resource_sid=a.resource_sid,
                service_sid=a.service_sid,
                request_url=a.request_url,
            )
            for a in self._all("list alerts", first_page)
        ]
        return sorted(found, key=lambda alert: (alert.event_date, alert.sid))

    def fetch_number(self, number_sid: str) -> TwilioNumber:
        return _number(
            self._call(
                f"fetch number {number_sid}",
                lambda: self._account.incoming_phone_numbers(number_sid).fetch(),
            )
        )

    def search_available(
        self,
        country: str = "US",
        kind: NumberKind = "local",
        area_code: str | None = None,
        contains: str | None = None,
        limit: int = 20,
    ) -> list[AvailableNumber]:
        """Numbers for sale; one request (a search result needs no second page)."""
        available = self._account.available_phone_numbers(country)
        listing = available.local if kind == "local" else available.toll_free
        filters: dict[str, Any] = {"page_size": max(1, min(limit, MAX_PAGE_SIZE))}
        if area_code is not None:
            filters["area_code"] = int(area_code)
        if contains is not None:
            filters["contains"] = contains
        page = self._call(f"search {kind} numbers in {country}", lambda: listing.page(**filters))
        return [
            AvailableNumber(
                phone_number=n.phone_number,
                friendly_name=n.friendly_name or "",
                locality=n.locality,
                region=n.region,
            )
            for n in list(page)[:limit]
        ]

    # ------------------------------------------------------------------ writes
    def attach_number(self, number_sid: str, trunk_sid: str) -> TwilioNumber:
        """Put the number on the trunk (moving it if it is on another), in one POST.

        Callers attach a number only after seeing it off the trunk (the plan's snapshot, a
        purchase's answer), so reading it again first would cost every attachment a round
        trip on a purchase's path to routable. A refused POST (400/409) is looked into
        instead: a number already on the trunk (another writer, or our own retry after a
        lost answer) counts as attached; one on another trunk is moved, as the caller asked
        (the plan moves only numbers a route selects, and says so), by taking it off there
        first, since whether Twilio's POST moves it or refuses is undocumented. A refusal
        with the number on no trunk is an error."""

        def attempt() -> TwilioNumber:
            numbers = self._trunks(trunk_sid).phone_numbers
            try:
                created = numbers.create(phone_number_sid=number_sid)
            except Exception as exc:
                failure = classify(exc)
                if failure is None or failure.status not in (400, 409):
                    raise
                current = self.fetch_number(number_sid)
                if current.trunk_sid == trunk_sid:
                    return current
                if current.trunk_sid is None:
                    raise
                log.warning(
                    "Twilio refused to attach %s to trunk %s while it is on trunk %s (%s); "
                    "detaching it there first",
                    number_sid,
                    trunk_sid,
                    current.trunk_sid,
                    failure.reason,
                )
                self._detach(number_sid, current.trunk_sid)
                created = numbers.create(phone_number_sid=number_sid)
            return TwilioNumber(
                sid=number_sid,
                phone_number=created.phone_number,
                friendly_name=created.friendly_name or "",
                trunk_sid=trunk_sid,
            )

        return self._call(f"attach number {number_sid} to trunk {trunk_sid}", attempt)

    def _detach(self, number_sid: str, trunk_sid: str) -> None:
        """DELETE the association; already gone (404) is fine."""
        try:
            self._trunks(trunk_sid).phone_numbers(number_sid).delete()
        except Exception as exc:
            failure = classify(exc)
            if failure is None or failure.status != 404:
                raise

    def detach_number(self, number_sid: str, trunk_sid: str) -> TwilioNumber:
        """Take the number off the trunk; no-op when it is not on that trunk."""

        def attempt() -> TwilioNumber:
            current = self.fetch_number(number_sid)
            if current.trunk_sid != trunk_sid:
                return current
            self._trunks(trunk_sid).phone_numbers(number_sid).delete()
            return current.model_copy(update={"trunk_sid": None})

        return self._call(f"detach number {number_sid} from trunk {trunk_sid}", attempt)

    def find_number(self, phone_number: str) -> TwilioNumber | None:
        """The account's number with exactly this E.164 value, in one call."""
        return self._call(f"find {phone_number}", lambda: self._find(phone_number))

    def _find(self, phone_number: str) -> TwilioNumber | None:
        # Twilio's PhoneNumber filter matches substrings: compare exactly.
        page = self._account.incoming_phone_numbers.page(phone_number=phone_number, page_size=50)
        return next((_number(n) for n in page if n.phone_number == phone_number), None)

    def purchase(self, phone_number: str, friendly_name: str = "") -> TwilioNumber:
        """Buy `phone_number`. A retry first checks whether the lost attempt bought it."""
        numbers = self._account.incoming_phone_numbers
        attempts = 0

        def attempt() -> TwilioNumber:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                owned = self._find(phone_number)
                if owned is not None:
                    return owned
            kwargs: dict[str, Any] = {"phone_number": phone_number}
            if friendly_name:
                kwargs["friendly_name"] = friendly_name
            return _number(numbers.create(**kwargs))

        return self._call(f"purchase {phone_number}", attempt)

    def release(self, number_sid: str) -> bool:
        """Release a number (an explicit operator action). False if it was already gone."""

        def attempt() -> bool:
            try:
                return bool(self._account.incoming_phone_numbers(number_sid).delete())
            except Exception as exc:
                failure = classify(exc)
                if failure is not None and failure.status == 404:
                    return False
                raise

        return self._call(f"release number {number_sid}", attempt)

    def update_origination_url(
        self,
        trunk_sid: str,
        url_sid: str,
        priority: int | None = None,
        weight: int | None = None,
        enabled: bool | None = None,
    ) -> OriginationUrl:
        """Set priority / weight / enabled of one origination URL (absolute values: idempotent)."""
        changes = {
            "priority": values.unset if priority is None else priority,
            "weight": values.unset if weight is None else weight,
            "enabled": values.unset if enabled is None else enabled,
        }
        target = self._trunks(trunk_sid).origination_urls(url_sid)
        return to_origination_url(
            self._call(
                f"update origination URL {url_sid} of trunk {trunk_sid}",
                lambda: target.update(**changes),
            )
        )
