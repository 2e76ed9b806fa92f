"""The real Postgres of the hub tests (``tests/hub/conftest.py``), for the sync proofs here."""

from tests.hub.conftest import hub_db, hub_server, open_hub, own_server

__all__ = ["hub_db", "hub_server", "open_hub", "own_server"]
