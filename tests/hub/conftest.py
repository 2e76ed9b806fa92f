"""A real Postgres for the hub tests: one server per session (a second start costs ~1 s), a fresh
database per test (a copy of ``template1``), a TLS front for it, and a server of a test's own for
the tests that stop one."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import pytest

from tests.hub_server import HubDatabase, HubServer
from tests.hub_tls_front import TlsFront
from tui.adapters.key_file import KdfParams, wrap
from tui.adapters.pg_hub import PgHub
from tui.domain.sync import HubJournal

FAST_KDF = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


@pytest.fixture(scope="session")
def hub_server() -> Iterator[HubServer]:
    server = HubServer().start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def tls_front(hub_server: HubServer) -> Iterator[TlsFront]:
    assert hub_server.tls is not None
    front = TlsFront(hub_server.port, hub_server.tls.cert, hub_server.tls.key)
    yield front
    front.close()


@pytest.fixture
def hub_db(hub_server: HubServer) -> HubDatabase:
    return hub_server.fresh_database()


@pytest.fixture
def own_server() -> Iterator[HubServer]:
    """A server this test may stop (and start again)."""
    server = HubServer().start()
    yield server
    server.remove()


@pytest.fixture
def open_hub() -> Iterator[Callable[..., PgHub]]:
    """``open_hub(database_or_dsn, password=..., **options)``: a ``PgHub``, closed after the test."""
    opened: list[PgHub] = []

    def make(where: HubDatabase | str, password: str | None = None, **options) -> PgHub:
        if isinstance(where, HubDatabase):
            dsn, password = where.dsn, password if password is not None else where.password
        else:
            dsn = where
        hub = PgHub(dsn, password, **options)
        opened.append(hub)
        return hub

    yield make
    for hub in opened:
        hub.close()


@pytest.fixture(scope="session")
def journal() -> HubJournal:
    return HubJournal(f"journal-{secrets.token_hex(8)}", wrap(os.urandom(32), "a sync passphrase", FAST_KDF))
