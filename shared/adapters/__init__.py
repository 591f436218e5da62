"""Adapters: the only code that talks to Twilio, Genesys Cloud and Azure.

Each vendor adapter wraps an official SDK client, runs every call through the one
`RetryPolicy` (Genesys calls also through the `RequestBudget`), and returns
`shared.domain.model` values; each satisfies a Protocol of `shared.ports`. Nothing but
`shared.bootstrap` builds them, so no service depends on an SDK.
"""
