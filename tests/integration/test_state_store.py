"""Trunk-group health state in Azure Table Storage (Azurite), through azure-data-tables."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from sandbox.azure.azurite import Azurite
from shared import bootstrap
from shared.adapters.table_store import (
    TableStateStore,
    development_connection_string,
    row_key,
    table_client,
)
from shared.health.evaluate import HEALTH_PARTITION
from shared.ports import StateConflictError, StateStoreError
from shared.settings import HostStorageConnection, MissingSettingError


@pytest.fixture
def store(azurite: Azurite) -> Iterator[TableStateStore]:
    """A store on a table of its own, which does not exist until first used."""
    connection = HostStorageConnection(AzureWebJobsStorage=azurite.connection_string)
    with TableStateStore(table_client(connection, f"health{secrets.token_hex(4)}")) as store:
        yield store


def test_a_group_never_saved_has_no_state(store: TableStateStore) -> None:
    assert store.load("BYOC-Group") is None


def test_saved_state_reads_back_with_a_fresh_etag(store: TableStateStore) -> None:
    first = store.save("BYOC-Group", {"active": "primary", "version": 1}, None)
    loaded = store.load("BYOC-Group")
    assert loaded is not None
    assert loaded.data == {"active": "primary", "version": 1}
    assert loaded.etag == first
    second = store.save("BYOC-Group", {"active": "backup", "version": 1}, loaded.etag)
    assert second != first
    reloaded = store.load("BYOC-Group")
    assert reloaded is not None and reloaded.data["active"] == "backup"


def test_of_two_runs_that_read_the_same_state_only_one_saves(store: TableStateStore) -> None:
    store.save("BYOC-Group", {"active": "primary"}, None)
    run_a = store.load("BYOC-Group")
    run_b = store.load("BYOC-Group")
    assert run_a is not None and run_b is not None
    store.save("BYOC-Group", {"active": "backup"}, run_a.etag)
    with pytest.raises(StateConflictError, match="changed since it was read"):
        store.save("BYOC-Group", {"active": "primary"}, run_b.etag)
    final = store.load("BYOC-Group")
    assert final is not None and final.data == {"active": "backup"}


def test_two_first_runs_cannot_both_create_the_state(store: TableStateStore) -> None:
    store.save("BYOC-Group", {"active": "primary"}, None)
    with pytest.raises(StateConflictError, match="created by another run"):
        store.save("BYOC-Group", {"active": "backup"}, None)


def test_group_names_with_key_forbidden_characters_are_stored(store: TableStateStore) -> None:
    name = "EMEA/UK #1?"
    assert "/" not in row_key(name) and "#" not in row_key(name) and "?" not in row_key(name)
    store.save(name, {"active": "x"}, None)
    loaded = store.load(name)
    assert loaded is not None and loaded.data == {"active": "x"}


def test_state_outlives_the_storage_process(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    location = tmp_path_factory.mktemp("azurite-restart")
    with Azurite(location) as first:
        connection = HostStorageConnection(AzureWebJobsStorage=first.connection_string)
        with TableStateStore(table_client(connection, "health")) as store:
            store.save("G", {"n": 1}, None)
        port = first.port
    with Azurite(location, port=port) as second:
        connection = HostStorageConnection(AzureWebJobsStorage=second.connection_string)
        with TableStateStore(table_client(connection, "health")) as store:
            loaded = store.load("G")
    assert loaded is not None and loaded.data == {"n": 1}


def test_store_from_settings_uses_the_host_storage_and_health_table(
    azurite: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    monkeypatch.setenv("BYOC_HEALTH_TABLE", "healthfromsettings")
    store = bootstrap.app().state_store(HEALTH_PARTITION)
    assert isinstance(store, TableStateStore) and store.table == "healthfromsettings"
    store.save("G", {"n": 2}, None)
    assert (store.load("G") or pytest.fail("not saved")).data == {"n": 2}


def test_development_storage_means_azurite_on_its_default_port() -> None:
    client = table_client(
        HostStorageConnection(AzureWebJobsStorage="UseDevelopmentStorage=true"), "t"
    )
    assert client.url.startswith("http://127.0.0.1:10002/devstoreaccount1")


def test_identity_based_storage_uses_the_account_table_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A connection string in the process environment (an in-process host sets one) would win.
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    connection = HostStorageConnection.model_validate(
        {"AzureWebJobsStorage__accountName": "byocsyncst", "AzureWebJobsStorage__clientId": "x"}
    )
    assert table_client(connection, "t").url.startswith("https://byocsyncst.table.core.windows.net")


def test_no_storage_setting_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    with pytest.raises(MissingSettingError, match="AzureWebJobsStorage__accountName"):
        table_client(HostStorageConnection(), "t")


def test_unreachable_storage_is_a_state_store_error() -> None:

    connection = HostStorageConnection(AzureWebJobsStorage=development_connection_string(1))
    with (
        TableStateStore(table_client(connection, "nowhere")) as store,
        pytest.raises(StateStoreError, match="cannot create table nowhere"),
    ):
        store.load("BYOC-Group")
