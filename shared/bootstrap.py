"""What a function invocation needs — settings, adapters, the policy — built once per process.

Functions hosts keep the worker process alive between invocations, so adapters (HTTP
pools, the Genesys token) are reused. They are keyed on the settings that shape them, so a
host whose settings change (tests run several sandboxes in one process) never reuses a
client pointed at the wrong place. The policy is re-read per invocation: it is small, and
a redeployed policy file must take effect without a restart.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.domain.policy import RoutingPolicy, load_policy
from shared.settings import Settings

if TYPE_CHECKING:
    from shared.adapters import GenesysAdapter, TwilioAdapter


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    twilio: TwilioAdapter
    genesys: GenesysAdapter

    def policy(self) -> RoutingPolicy:
        return load_policy(self.settings.byoc_policy_path)


_contexts: dict[str, AppContext] = {}
_lock = threading.Lock()


def app_context(settings: Settings | None = None) -> AppContext:
    from shared.adapters import build_adapters

    settings = settings or Settings()
    key = settings.model_dump_json(
        include={
            "twilio_account_sid",
            "twilio_api_base_url",
            "genesyscloud_oauthclient_id",
            "genesyscloud_region",
            "genesyscloud_api_host",
            "byoc_http_timeout_s",
            "byoc_retry_max_attempts",
            "byoc_retry_max_wait_s",
            "byoc_genesys_requests_per_minute",
        }
    )
    secrets = [settings.twilio_auth_token, settings.genesyscloud_oauthclient_secret]
    key += hashlib.sha256(
        "\0".join(s.get_secret_value() if s else "" for s in secrets).encode()
    ).hexdigest()
    with _lock:
        context = _contexts.get(key)
        if context is None:
            twilio, genesys = build_adapters(settings)
            context = AppContext(settings, twilio, genesys)
            _contexts[key] = context
        elif context.settings != settings:
            context = AppContext(settings, context.twilio, context.genesys)
        return context
