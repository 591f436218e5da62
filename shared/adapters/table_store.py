"""Small records that must outlive one invocation, in Azure Table Storage with ETags.

Each run is a fresh function invocation, possibly on another instance, so what it must
remember lives outside the process: trunk-group health state and purchase reservations,
one partition each, in a table of the Function App's own storage account
(`AzureWebJobsStorage`, identity-based in Azure, Azurite locally). Saves are conditional on
the ETag the record was read with, so of two runs that read the same record exactly one
saves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode
from azure.identity import DefaultAzureCredential

from shared.ports import StateConflictError, StateStoreError, StoredState
from shared.settings import STORAGE_CONNECTION as CONNECTION_NAME
from shared.settings import HostStorageConnection, MissingSettingError

PARTITION = "trunk-group"
STATE_PROPERTY = "state"
# Azurite's well-known development account (public, documented by Microsoft);
# `UseDevelopmentStorage=true` means it on Azurite's default Table port.
DEVELOPMENT_ACCOUNT = "devstoreaccount1"
DEVELOPMENT_TABLE_PORT = 10002
DEVELOPMENT_ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def row_key(group: str) -> str:
    """Table keys may not hold `/ \\ # ?` or control characters; group names might."""
    return quote(group, safe=" -_.~")


def development_connection_string(port: int = DEVELOPMENT_TABLE_PORT) -> str:
    """The connection string of Azurite's Table service on loopback `port`."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={DEVELOPMENT_ACCOUNT};"
        f"AccountKey={DEVELOPMENT_ACCOUNT_KEY};"
        f"TableEndpoint=http://127.0.0.1:{port}/{DEVELOPMENT_ACCOUNT};"
    )


def table_client(connection: HostStorageConnection, table: str) -> TableClient:

    if connection.connection_string is not None:
        value = connection.connection_string.get_secret_value()
        if value.replace(" ", "").lower().startswith("usedevelopmentstorage=true"):
            value = development_connection_string()
        return TableClient.from_connection_string(value, table_name=table)
    endpoint = connection.table_service_uri or (
        f"https://{connection.account_name}.table.core.windows.net"
        if connection.account_name
        else None
    )
    if endpoint is None:
        raise MissingSettingError(
            f"missing setting(s): {CONNECTION_NAME} (a connection string) or "
            f"{CONNECTION_NAME}__accountName / {CONNECTION_NAME}__tableServiceUri"
        )

    credential = DefaultAzureCredential(managed_identity_client_id=connection.client_id)
    return TableClient(endpoint, table_name=table, credential=credential)


class TableStateStore:
    """One entity per key: PartitionKey `trunk-group` (by default), RowKey the group name,
    JSON state. Other partitions hold other small records (purchase reservations)."""

    def __init__(self, client: TableClient, partition: str = PARTITION) -> None:
        self._client = client
        self._partition = partition
        self._table_ready = False

    @property
    def table(self) -> str:
        return self._client.table_name

    def close(self) -> None:
        """Close the HTTP connections (idle keep-alives would outlive the invocation)."""
        self._client.close()

    def __enter__(self) -> TableStateStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _ensure_table(self) -> None:
        """Created on first use, so a new storage account needs no deployment step."""
        if self._table_ready:
            return
        try:
            self._client.create_table()
        except ResourceExistsError:
            pass
        except AzureError as error:  # refused, unreachable, or answered with an error
            raise StateStoreError(f"cannot create table {self.table}: {error.message}") from error
        self._table_ready = True

    def load(self, group: str) -> StoredState | None:
        self._ensure_table()
        try:
            entity = self._client.get_entity(self._partition, row_key(group))
        except ResourceNotFoundError:
            return None
        except AzureError as error:
            raise StateStoreError(f"cannot read {group} state: {error.message}") from error
        try:
            data = json.loads(entity[STATE_PROPERTY])
        except (KeyError, TypeError, ValueError) as error:
            raise StateStoreError(f"{group} state in {self.table} is not JSON") from error
        return StoredState(data=data, etag=str(entity.metadata["etag"]))

    def save(self, group: str, data: Mapping[str, Any], etag: str | None) -> str:
        """Write `data` only if the stored state is still the one read with `etag`
        (None: only if there is none yet). Returns the new ETag."""
        self._ensure_table()
        entity = {
            "PartitionKey": self._partition,
            "RowKey": row_key(group),
            "group": group,
            STATE_PROPERTY: json.dumps(data, sort_keys=True),
        }
        try:
            if etag is None:
                metadata = self._client.create_entity(entity)
            else:
                metadata = self._client.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=etag,
                    match_condition=MatchConditions.IfNotModified,
                )
        except ResourceExistsError as error:
            raise StateConflictError(f"{group}: state was created by another run") from error
        except HttpResponseError as error:
            if error.status_code == 412:
                raise StateConflictError(f"{group}: state changed since it was read") from error
            raise StateStoreError(f"cannot save {group} state: {error.message}") from error
        except AzureError as error:
            raise StateStoreError(f"cannot save {group} state: {error.message}") from error
        return str(metadata["etag"])
