"""HTTP handlers of the Twilio emulator: parse and validate, call the state, render.

Every handler runs under the emulator's lock, so concurrent SDK calls see one consistent
account. Handlers never build error bodies: they raise `TwilioError` and the emulator
renders it in Twilio's shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from sandbox.emulators.core import Request, Response, Router
from sandbox.emulators.twilio import render
from sandbox.emulators.twilio.errors import bad_request, missing, not_found
from sandbox.emulators.twilio.inputs import (
    Params,
    boolean,
    choice,
    integer,
    method,
    one,
    required,
    sid,
    sip_url,
    text,
    url,
)
from sandbox.emulators.twilio.monitor import Actor
from sandbox.emulators.twilio.paging import paginate, v1_envelope, v2010_envelope
from sandbox.emulators.twilio.scenario import ipv4_address
from sandbox.emulators.twilio.search import (
    contains_matches,
    contains_regex,
    literal_prefix,
    partial_number_regex,
)
from sandbox.emulators.twilio.state import (
    IncomingNumber,
    SipCredential,
    SipIpAddress,
    SipList,
    Trunk,
    TwilioState,
)

ACCOUNT = "/2010-04-01/Accounts/{AccountSid}"
TRUNKS = "/v1/Trunks"
TRUNK = "/v1/Trunks/{TrunkSid}"

TRANSFER_MODES = ("disable-all", "enable-all", "sip-only")
TRANSFER_CALLER_IDS = ("from-transferee", "from-transferor")
# Trunking v1 spec: recording_enum_recording_mode / recording_enum_recording_trim.
RECORDING_MODES = (
    "do-not-record",
    "record-from-ringing",
    "record-from-answer",
    "record-from-ringing-dual",
    "record-from-answer-dual",
)
RECORDING_TRIMS = ("trim-silence", "do-not-trim")

# IncomingPhoneNumber form fields -> (response field, parser).
NumberField = Callable[[Params, str], Any]
NUMBER_FIELDS: dict[str, tuple[str, NumberField]] = {
    "ApiVersion": ("api_version", lambda p, n: choice(p, n, ("2010-04-01", "2008-08-01"))),
    "VoiceUrl": ("voice_url", url),
    "VoiceMethod": ("voice_method", method),
    "VoiceFallbackUrl": ("voice_fallback_url", url),
    "VoiceFallbackMethod": ("voice_fallback_method", method),
    "VoiceCallerIdLookup": ("voice_caller_id_lookup", boolean),
    "VoiceApplicationSid": ("voice_application_sid", lambda p, n: sid(p, n, "AP")),
    "VoiceReceiveMode": ("voice_receive_mode", lambda p, n: choice(p, n, ("voice", "fax"))),
    "StatusCallback": ("status_callback", url),
    "StatusCallbackMethod": ("status_callback_method", method),
    "SmsUrl": ("sms_url", url),
    "SmsMethod": ("sms_method", method),
    "SmsFallbackUrl": ("sms_fallback_url", url),
    "SmsFallbackMethod": ("sms_fallback_method", method),
    "SmsApplicationSid": ("sms_application_sid", lambda p, n: sid(p, n, "AP")),
    "EmergencyStatus": ("emergency_status", lambda p, n: choice(p, n, ("Active", "Inactive"))),
    "EmergencyAddressSid": ("emergency_address_sid", lambda p, n: sid(p, n, "AD")),
    "AddressSid": ("address_sid", lambda p, n: sid(p, n, "AD")),
    "IdentitySid": ("identity_sid", lambda p, n: sid(p, n, "RI")),
    "BundleSid": ("bundle_sid", lambda p, n: sid(p, n, "BU")),
    "FriendlyName": ("friendly_name", lambda p, n: text(p, n, 64)),
    "TrunkSid": ("trunk_sid", lambda p, n: sid(p, n, "TK")),
}


class StateHost(Protocol):
    """What handlers need from the emulator: the state and the lock guarding it."""

    @property
    def state(self) -> TwilioState: ...

    @property
    def lock(self) -> Any: ...


class TwilioRoutes:
    """Registers and implements the Api v2010 and Trunking v1 routes."""

    def __init__(self, host: StateHost) -> None:
        self.host = host

    @property
    def state(self) -> TwilioState:
        return self.host.state

    def register(self, r: Router) -> None:
        locked = self._locked
        numbers = ACCOUNT + "/IncomingPhoneNumbers"
        r.add("GET", numbers + ".json", locked(self.list_numbers))
        r.add("POST", numbers + ".json", locked(self.purchase_number))
        r.add("GET", numbers + "/{Sid}.json", locked(self.fetch_number))
        r.add("POST", numbers + "/{Sid}.json", locked(self.update_number))
        r.add("DELETE", numbers + "/{Sid}.json", locked(self.release_number))
        available = ACCOUNT + "/AvailablePhoneNumbers/{CountryCode}"
        r.add("GET", available + "/Local.json", locked(self.search_local))
        r.add("GET", available + "/TollFree.json", locked(self.search_toll_free))
        for kind in ("CredentialLists", "IpAccessControlLists"):
            base = f"{ACCOUNT}/SIP/{kind}"
            r.add("GET", base + ".json", locked(self._sip_list_handler(kind, "list")))
            r.add("POST", base + ".json", locked(self._sip_list_handler(kind, "create")))
            r.add("GET", base + "/{Sid}.json", locked(self._sip_list_handler(kind, "fetch")))
            r.add("POST", base + "/{Sid}.json", locked(self._sip_list_handler(kind, "update")))
            r.add("DELETE", base + "/{Sid}.json", locked(self._sip_list_handler(kind, "delete")))
        creds = ACCOUNT + "/SIP/CredentialLists/{CredentialListSid}/Credentials"
        r.add("GET", creds + ".json", locked(self.list_credentials))
        r.add("POST", creds + ".json", locked(self.create_credential))
        r.add("GET", creds + "/{Sid}.json", locked(self.fetch_credential))
        r.add("POST", creds + "/{Sid}.json", locked(self.update_credential))
        r.add("DELETE", creds + "/{Sid}.json", locked(self.delete_credential))
        ips = ACCOUNT + "/SIP/IpAccessControlLists/{IpAccessControlListSid}/IpAddresses"
        r.add("GET", ips + ".json", locked(self.list_ip_addresses))
        r.add("POST", ips + ".json", locked(self.create_ip_address))
        r.add("GET", ips + "/{Sid}.json", locked(self.fetch_ip_address))
        r.add("POST", ips + "/{Sid}.json", locked(self.update_ip_address))
        r.add("DELETE", ips + "/{Sid}.json", locked(self.delete_ip_address))
        r.add("GET", TRUNKS, locked(self.list_trunks))
        r.add("POST", TRUNKS, locked(self.create_trunk))
        r.add("GET", TRUNKS + "/{Sid}", locked(self.fetch_trunk))
        r.add("POST", TRUNKS + "/{Sid}", locked(self.update_trunk))
        r.add("DELETE", TRUNKS + "/{Sid}", locked(self.delete_trunk))
        ou = TRUNK + "/OriginationUrls"
        r.add("GET", ou, locked(self.list_origination_urls))
        r.add("POST", ou, locked(self.create_origination_url))
        r.add("GET", ou + "/{Sid}", locked(self.fetch_origination_url))
        r.add("POST", ou + "/{Sid}", locked(self.update_origination_url))
        r.add("DELETE", ou + "/{Sid}", locked(self.delete_origination_url))
        pn = TRUNK + "/PhoneNumbers"
        r.add("GET", pn, locked(self.list_trunk_numbers))
        r.add("POST", pn, locked(self.add_trunk_number))
        r.add("GET", pn + "/{Sid}", locked(self.fetch_trunk_number))
        r.add("DELETE", pn + "/{Sid}", locked(self.remove_trunk_number))
        r.add("GET", TRUNK + "/Recording", locked(self.fetch_recording))
        r.add("POST", TRUNK + "/Recording", locked(self.update_recording))
        for kind in ("CredentialLists", "IpAccessControlLists"):
            base = f"{TRUNK}/{kind}"
            r.add("GET", base, locked(self._trunk_list_handler(kind, "list")))
            r.add("POST", base, locked(self._trunk_list_handler(kind, "create")))
            r.add("GET", base + "/{Sid}", locked(self._trunk_list_handler(kind, "fetch")))
            r.add("DELETE", base + "/{Sid}", locked(self._trunk_list_handler(kind, "delete")))

    def _locked(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """Run a handler under the lock, its changes logged as the account's, over the API."""

        def run(request: Request) -> Response:
            with self.host.lock:
                state = self.state
                state.actor = Actor.api(state.account_sid, client_ip(request))
                try:
                    return handler(request)
                finally:
                    state.actor = None

        return run

    # ------------------------------------------------------------------ helpers
    def _account(self, request: Request) -> str:
        """Another account's paths are invisible: Twilio answers 404/20404, not 403."""
        account_sid = self.state.account_sid
        if request.params.get("AccountSid") != account_sid:
            raise not_found(request.path)
        return account_sid

    def _number(self, request: Request) -> IncomingNumber:
        self._account(request)
        return self.state.number(request.params["Sid"], request.path)

    def _trunk(self, request: Request, param: str = "TrunkSid") -> Trunk:
        return self.state.trunk(request.params[param], request.path)

    @staticmethod
    def _filters(query: Params, names: tuple[str, ...]) -> dict[str, str]:
        return {name: v for name in names if (v := one(query, name)) is not None}

    # ------------------------------------------------------------------ IncomingPhoneNumbers
    def list_numbers(self, request: Request) -> Response:
        account_sid = self._account(request)
        q = request.query
        beta = boolean(q, "Beta")
        friendly = one(q, "FriendlyName")
        origin = one(q, "Origin")
        pattern = one(q, "PhoneNumber")
        regex = partial_number_regex(pattern) if pattern else None
        prefix = literal_prefix(pattern) if pattern else None
        candidates = (
            self.state.numbers_starting(prefix)
            if prefix is not None
            else self.state.ordered(self.state.numbers)
        )
        matches = [
            n
            for n in candidates
            if (beta is not False or not n.beta)
            and (friendly is None or n.friendly_name == friendly)
            and (origin is None or n.origin == origin)
            and (regex is None or regex.search(n.phone_number))
        ]
        page = paginate(matches, q)
        records = [render.incoming_number(n, account_sid) for n in page.items]
        filters = self._filters(q, ("Beta", "FriendlyName", "PhoneNumber", "Origin"))
        body = v2010_envelope("incoming_phone_numbers", records, page, request.path, filters)
        return Response(200, body)

    def _number_changes(self, form: Params) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for param, (name, parse) in NUMBER_FIELDS.items():
            if param in form:
                value = parse(form, param)
                changes[name] = None if value == "" and name != "friendly_name" else value
        if changes.get("trunk_sid"):
            trunk_sid = changes["trunk_sid"]
            self.state.trunk(trunk_sid, f"/v1/Trunks/{trunk_sid}")
        return changes

    def purchase_number(self, request: Request) -> Response:
        """Buy a number. Buying one the account already owns is no error on Twilio: 201, and
        the request's settings are applied like an update (github.com/danielberkompas/
        ex_twilio/pull/116)."""
        account_sid = self._account(request)
        form = request.form()
        changes = self._number_changes(form)  # validate everything before buying
        phone_number = one(form, "PhoneNumber")
        owned = self.state.owned(phone_number) if phone_number else None
        if owned is not None:
            number = self.state.update_number(owned, changes)
        else:
            number = self.state.purchase(phone_number, one(form, "AreaCode"), changes)
        return Response(201, render.incoming_number(number, account_sid))

    def fetch_number(self, request: Request) -> Response:
        number = self._number(request)
        return Response(200, render.incoming_number(number, self.state.account_sid))

    def update_number(self, request: Request) -> Response:
        number = self._number(request)
        form = request.form()
        target = one(form, "AccountSid")
        if target not in (None, self.state.account_sid):
            raise bad_request("Moving numbers to another account is not supported")
        self.state.update_number(number, self._number_changes(form))
        return Response(200, render.incoming_number(number, self.state.account_sid))

    def release_number(self, request: Request) -> Response:
        self.state.release(self._number(request))
        return Response(204)

    # ------------------------------------------------------------------ AvailablePhoneNumbers
    def search_local(self, request: Request) -> Response:
        return self._search(request, "local")

    def search_toll_free(self, request: Request) -> Response:
        return self._search(request, "toll-free")

    def _search(self, request: Request, number_type: str) -> Response:
        self._account(request)
        country = request.params["CountryCode"]
        if len(country) != 2 or not country.isalpha() or not country.isupper():
            raise not_found(request.path)
        q = request.query
        area_code = integer(q, "AreaCode", 0, 999)
        if area_code is not None and not 200 <= area_code <= 999:
            raise bad_request(f"AreaCode {area_code} is invalid", 21451)
        contains = one(q, "Contains")
        regex = contains_regex(contains) if contains else None
        wanted = {
            cap: flag
            for cap, name in (
                ("voice", "VoiceEnabled"),
                ("sms", "SmsEnabled"),
                ("mms", "MmsEnabled"),
                ("fax", "FaxEnabled"),
            )
            if (flag := boolean(q, name)) is not None
        }
        beta = boolean(q, "Beta")
        exclusions = {
            "any": boolean(q, "ExcludeAllAddressRequired"),
            "local": boolean(q, "ExcludeLocalAddressRequired"),
            "foreign": boolean(q, "ExcludeForeignAddressRequired"),
        }
        exact = {
            "region": one(q, "InRegion"),
            "postal_code": one(q, "InPostalCode"),
            "locality": one(q, "InLocality"),
            "rate_center": one(q, "InRateCenter"),
            "lata": one(q, "InLata"),
        }
        integer(q, "Distance", 0, 500)  # validated; proximity search is not modelled
        size = integer(q, "PageSize", 1, 1000) or 50
        found = []
        for offer in sorted(self.state.inventory.values(), key=lambda o: o.phone_number):
            if offer.iso_country != country or offer.type != number_type:
                continue
            if area_code is not None and not offer.phone_number.startswith(f"+1{area_code}"):
                continue
            if regex is not None and not contains_matches(regex, offer.phone_number):
                continue
            if any(offer.capabilities.get(cap) != flag for cap, flag in wanted.items() if flag):
                continue
            if beta is False and offer.beta:
                continue
            if any(
                excluded and offer.address_requirements == kind
                for kind, excluded in exclusions.items()
            ):
                continue
            if any(v is not None and getattr(offer, k) != v for k, v in exact.items()):
                continue
            found.append(render.available_number(offer))
            if len(found) >= size:
                break
        return Response(200, {"available_phone_numbers": found, "uri": request.path})

    # ------------------------------------------------------------------ SIP lists (account)
    def _sip_list_handler(self, kind: str, action: str) -> Callable[[Request], Response]:
        prefix = "CL" if kind == "CredentialLists" else "AL"
        key = "credential_lists" if kind == "CredentialLists" else "ip_access_control_lists"

        def store() -> dict[str, SipList]:
            found: dict[str, SipList] = getattr(self.state, key)
            return found

        def handle(request: Request) -> Response:
            account_sid = self._account(request)
            if action == "list":
                page = paginate(self.state.ordered(store()), request.query)
                records = [render.sip_list(i, account_sid, kind) for i in page.items]
                return Response(200, v2010_envelope(key, records, page, request.path, {}))
            if action == "create":
                name = text(request.form(), "FriendlyName", 64)
                if not name:
                    raise missing("FriendlyName")
                item = self.state.create_sip_list(store(), prefix, name)
                return Response(201, render.sip_list(item, account_sid, kind))
            found = store().get(request.params["Sid"])
            if found is None:
                raise not_found(request.path)
            item = found
            if action == "update":
                name = text(request.form(), "FriendlyName", 64)
                if not name:
                    raise missing("FriendlyName")
                self.state.rename_sip_list(item, name)
            if action == "delete":
                self.state.delete_sip_list(store(), item.sid)
                return Response(204)
            return Response(200, render.sip_list(item, account_sid, kind))

        return handle

    # ------------------------------------------------------------------ list members
    def _parent_list(self, request: Request, store: dict[str, SipList], param: str) -> SipList:
        self._account(request)
        found = store.get(request.params[param])
        if found is None:
            raise not_found(request.path)
        return found

    def _credential_list(self, request: Request) -> SipList:
        return self._parent_list(request, self.state.credential_lists, "CredentialListSid")

    def _credential(self, request: Request) -> SipCredential:
        found = self._credential_list(request).credentials.get(request.params["Sid"])
        if found is None:
            raise not_found(request.path)
        return found

    def list_credentials(self, request: Request) -> Response:
        cl = self._credential_list(request)
        page = paginate(self.state.ordered(cl.credentials), request.query)
        records = [render.sip_credential(c, self.state.account_sid) for c in page.items]
        return Response(200, v2010_envelope("credentials", records, page, request.path, {}))

    def create_credential(self, request: Request) -> Response:
        cl = self._credential_list(request)
        form = request.form()
        username = _present(text(form, "Username", 32), "Username")
        password = _present(one(form, "Password"), "Password")
        credential = self.state.create_credential(cl, username, password)
        return Response(201, render.sip_credential(credential, self.state.account_sid))

    def fetch_credential(self, request: Request) -> Response:
        found = self._credential(request)
        return Response(200, render.sip_credential(found, self.state.account_sid))

    def update_credential(self, request: Request) -> Response:
        """Only the password changes (the spec's UpdateSipCredential takes nothing else)."""
        found = self._credential(request)
        password = one(request.form(), "Password")
        if password is not None:
            self.state.set_password(found, password)
        return Response(200, render.sip_credential(found, self.state.account_sid))

    def delete_credential(self, request: Request) -> Response:
        found = self._credential(request)
        del self.state.credential_lists[found.list_sid].credentials[found.sid]
        return Response(204)

    def _ip_acl(self, request: Request) -> SipList:
        store = self.state.ip_access_control_lists
        return self._parent_list(request, store, "IpAccessControlListSid")

    def _ip_address(self, request: Request) -> SipIpAddress:
        found = self._ip_acl(request).ip_addresses.get(request.params["Sid"])
        if found is None:
            raise not_found(request.path)
        return found

    def list_ip_addresses(self, request: Request) -> Response:
        acl = self._ip_acl(request)
        page = paginate(self.state.ordered(acl.ip_addresses), request.query)
        records = [render.sip_ip_address(a, self.state.account_sid) for a in page.items]
        return Response(200, v2010_envelope("ip_addresses", records, page, request.path, {}))

    def create_ip_address(self, request: Request) -> Response:
        acl = self._ip_acl(request)
        form = request.form()
        # The spec allows 255 characters (one capture of Twilio's page says 64): capped at 64,
        # as IP access control list names are.
        name = _present(text(form, "FriendlyName", 64), "FriendlyName")
        address = _ip(_present(one(form, "IpAddress"), "IpAddress"))
        prefix = _prefix(form)
        created = self.state.create_ip_address(acl, name, address, 32 if prefix is None else prefix)
        return Response(201, render.sip_ip_address(created, self.state.account_sid))

    def fetch_ip_address(self, request: Request) -> Response:
        found = self._ip_address(request)
        return Response(200, render.sip_ip_address(found, self.state.account_sid))

    def update_ip_address(self, request: Request) -> Response:
        found = self._ip_address(request)
        form = request.form()
        name = text(form, "FriendlyName", 64)
        address = one(form, "IpAddress")
        changes = {
            "friendly_name": _present(name, "FriendlyName") if name is not None else None,
            "ip_address": _ip(address) if address is not None else None,
            "cidr_prefix_length": _prefix(form),
        }
        for attribute, value in changes.items():
            if value is not None:
                setattr(found, attribute, value)
        found.date_updated = self.state.clock()
        return Response(200, render.sip_ip_address(found, self.state.account_sid))

    def delete_ip_address(self, request: Request) -> Response:
        found = self._ip_address(request)
        del self.state.ip_access_control_lists[found.list_sid].ip_addresses[found.sid]
        return Response(204)

    # ------------------------------------------------------------------ Trunks
    def _trunk_fields(self, form: Params) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        parsers: dict[str, tuple[str, Callable[[Params, str], Any]]] = {
            "FriendlyName": ("friendly_name", lambda p, n: text(p, n, 64)),
            "DomainName": ("domain_name", lambda p, n: _domain(one(p, n))),
            "DisasterRecoveryUrl": ("disaster_recovery_url", url),
            "DisasterRecoveryMethod": (
                "disaster_recovery_method",
                method,
            ),
            "TransferMode": ("transfer_mode", lambda p, n: choice(p, n, TRANSFER_MODES)),
            "TransferCallerId": (
                "transfer_caller_id",
                lambda p, n: choice(p, n, TRANSFER_CALLER_IDS),
            ),
            "Secure": ("secure", boolean),
            "CnamLookupEnabled": ("cnam_lookup_enabled", boolean),
        }
        for param, (name, parse) in parsers.items():
            if param in form:
                value = parse(form, param)
                fields[name] = None if value == "" else value
        if fields.get("disaster_recovery_method", "POST") is None:
            fields["disaster_recovery_method"] = "POST"  # the enum is never null on the wire
        return fields

    @staticmethod
    def _v1_list(
        request: Request,
        key: str,
        items: list[Any],
        render_item: Callable[[Any], dict[str, Any]],
        url: str,
    ) -> Response:
        """One page of a Trunking v1 collection in Twilio's v1 envelope."""
        page = paginate(items, request.query)
        records = [render_item(item) for item in page.items]
        return Response(200, v1_envelope(key, records, page, url))

    def list_trunks(self, request: Request) -> Response:
        return self._v1_list(
            request,
            "trunks",
            self.state.ordered(self.state.trunks),
            lambda t: render.trunk(t, self.state.account_sid),
            render.TRUNKING_HOST + TRUNKS,
        )

    def create_trunk(self, request: Request) -> Response:
        trunk = self.state.create_trunk(self._trunk_fields(request.form()))
        return Response(201, render.trunk(trunk, self.state.account_sid))

    def fetch_trunk(self, request: Request) -> Response:
        return Response(200, render.trunk(self._trunk(request, "Sid"), self.state.account_sid))

    def update_trunk(self, request: Request) -> Response:
        trunk = self._trunk(request, "Sid")
        self.state.update_trunk(trunk, self._trunk_fields(request.form()))
        return Response(200, render.trunk(trunk, self.state.account_sid))

    def delete_trunk(self, request: Request) -> Response:
        self.state.delete_trunk(self._trunk(request, "Sid"))
        return Response(204)

    # ------------------------------------------------------------------ OriginationUrls
    def list_origination_urls(self, request: Request) -> Response:
        trunk = self._trunk(request)
        return self._v1_list(
            request,
            "origination_urls",
            self.state.ordered(trunk.origination_urls),
            lambda o: render.origination_url(o, self.state.account_sid),
            render.trunk_url(trunk.sid) + "/OriginationUrls",
        )

    def create_origination_url(self, request: Request) -> Response:
        trunk = self._trunk(request)
        form = request.form()
        for name in ("Weight", "Priority", "Enabled", "FriendlyName", "SipUrl"):
            required(form, name)
        created = self.state.create_origination_url(
            trunk.sid,
            sip_url=_present(sip_url(form, "SipUrl")),
            priority=_present(integer(form, "Priority", 0, 65535)),
            weight=_present(integer(form, "Weight", 1, 65535)),
            enabled=_present(boolean(form, "Enabled")),
            friendly_name=_present(text(form, "FriendlyName", 64)),
        )
        return Response(201, render.origination_url(created, self.state.account_sid))

    def _origination_url(self, request: Request) -> Any:
        trunk = self._trunk(request)
        found = trunk.origination_urls.get(request.params["Sid"])
        if found is None:
            raise not_found(request.path)
        return found

    def fetch_origination_url(self, request: Request) -> Response:
        found = self._origination_url(request)
        return Response(200, render.origination_url(found, self.state.account_sid))

    def update_origination_url(self, request: Request) -> Response:
        found = self._origination_url(request)
        form = request.form()
        changes = {
            "sip_url": sip_url(form, "SipUrl"),
            "priority": integer(form, "Priority", 0, 65535),
            "weight": integer(form, "Weight", 1, 65535),
            "enabled": boolean(form, "Enabled"),
            "friendly_name": text(form, "FriendlyName", 64),
        }
        for name, value in changes.items():
            if value is not None:
                setattr(found, name, value)
        found.date_updated = self.state.clock()
        return Response(200, render.origination_url(found, self.state.account_sid))

    def delete_origination_url(self, request: Request) -> Response:
        found = self._origination_url(request)
        del self.state.trunks[found.trunk_sid].origination_urls[found.sid]
        return Response(204)

    # ------------------------------------------------------------------ Trunk PhoneNumbers
    def list_trunk_numbers(self, request: Request) -> Response:
        trunk = self._trunk(request)
        return self._v1_list(
            request,
            "phone_numbers",
            self.state.numbers_on(trunk.sid),
            lambda n: render.trunk_phone_number(n, self.state.account_sid),
            render.trunk_url(trunk.sid) + "/PhoneNumbers",
        )

    def add_trunk_number(self, request: Request) -> Response:
        trunk = self._trunk(request)
        number_sid = _present(sid(request.form(), "PhoneNumberSid", "PN"), "PhoneNumberSid")
        number = self.state.numbers.get(number_sid)
        if number is None:
            raise not_found(
                f"{render.account_uri(self.state.account_sid)}/IncomingPhoneNumbers/{number_sid}.json"
            )
        self.state.associate_number(trunk, number)
        return Response(201, render.trunk_phone_number(number, self.state.account_sid))

    def _trunk_number(self, request: Request) -> IncomingNumber:
        trunk = self._trunk(request)
        number = self.state.numbers.get(request.params["Sid"])
        if number is None or number.trunk_sid != trunk.sid:
            raise not_found(request.path)
        return number

    def fetch_trunk_number(self, request: Request) -> Response:
        number = self._trunk_number(request)
        return Response(200, render.trunk_phone_number(number, self.state.account_sid))

    def remove_trunk_number(self, request: Request) -> Response:
        self.state.update_number(self._trunk_number(request), {"trunk_sid": None})
        return Response(204)

    # ------------------------------------------------------------------ Trunk Recording
    def fetch_recording(self, request: Request) -> Response:
        """The trunk's `links.recording`: its recording settings, a sub-resource of its own
        (the trunk's own update does not take them)."""
        return Response(200, render.recording(self._trunk(request)))

    def update_recording(self, request: Request) -> Response:
        trunk = self._trunk(request)
        form = request.form()
        mode = choice(form, "Mode", RECORDING_MODES)
        trim = choice(form, "Trim", RECORDING_TRIMS)
        settings = {"mode": mode, "trim": trim}
        self.state.set_recording(trunk, {k: v for k, v in settings.items() if v is not None})
        return Response(200, render.recording(trunk))

    # ------------------------------------------------------------------ Trunk SIP lists
    def _trunk_list_handler(self, kind: str, action: str) -> Callable[[Request], Response]:
        key = "credential_lists" if kind == "CredentialLists" else "ip_access_control_lists"
        prefix, param = (
            ("CL", "CredentialListSid")
            if kind == "CredentialLists"
            else ("AL", "IpAccessControlListSid")
        )

        def handle(request: Request) -> Response:
            trunk = self._trunk(request)
            account_sid = self.state.account_sid
            lists: dict[str, SipList] = getattr(self.state, key)
            links = getattr(trunk, key)
            if action == "list":
                return self._v1_list(
                    request,
                    key,
                    self.state.ordered(links),
                    lambda link: render.trunk_list_link(
                        link, lists[link.list_sid], trunk.sid, account_sid, kind
                    ),
                    f"{render.trunk_url(trunk.sid)}/{kind}",
                )
            if action == "create":
                list_sid = _present(sid(request.form(), param, prefix), param)
                if list_sid not in lists:
                    raise not_found(f"{render.account_uri(account_sid)}/SIP/{kind}/{list_sid}.json")
                link = self.state.associate_list(trunk.sid, key, list_sid)
                body = render.trunk_list_link(link, lists[list_sid], trunk.sid, account_sid, kind)
                return Response(201, body)
            link = links.get(request.params["Sid"])
            if link is None:
                raise not_found(request.path)
            if action == "delete":
                del links[link.list_sid]
                return Response(204)
            body = render.trunk_list_link(link, lists[link.list_sid], trunk.sid, account_sid, kind)
            return Response(200, body)

        return handle


def client_ip(request: Request) -> str:
    """Where a request came from, as Monitor events record it: the first `X-Forwarded-For`
    address when a proxy sent one, else loopback (the emulators listen nowhere else)."""
    forwarded = (request.header("x-forwarded-for") or "").split(",")[0].strip()
    return forwarded or "127.0.0.1"


def _present(value: Any, name: str = "parameter") -> Any:
    """Narrow an already-required parameter; a missing one is still Twilio's 400."""
    if value is None or value == "":
        raise missing(name)
    return value


def _ip(value: str) -> str:
    """An IPv4 address in dotted decimal, complete (no wildcards); Twilio's code for the
    refusal is not published: 20001."""
    try:
        return ipv4_address(value)
    except ValueError as error:
        raise bad_request(f"IpAddress {error}") from None


def _prefix(form: Params) -> int | None:
    """`CidrPrefixLength`: 0 is taken as the whole address (/32), as Twilio stores it
    (twilio/terraform-provider-twilio#137); above 32 is no IPv4 prefix."""
    prefix = integer(form, "CidrPrefixLength", 0, 32)
    return 32 if prefix == 0 else prefix


def _domain(value: str | None) -> str | None:
    if value is None or value == "":
        return value
    if not re.fullmatch(r"[A-Za-z0-9-]+\.pstn\.twilio\.com", value):
        raise bad_request(
            f"DomainName {value!r} may hold letters, digits and '-' and must end with "
            "pstn.twilio.com"
        )
    return value.lower()
