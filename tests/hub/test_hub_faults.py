"""Every way a hub can fail a device, met for real (#21): a clear ``HubError`` (message + hint), no
libpq text without context, never a psycopg exception, never the password. Addresses are checked
before anything is sent: a password in the address, or a remote hub without verified TLS, is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.hub_server import free_port
from tests.paths import REPO
from tui.adapters.hub_dsn import hub_conninfo
from tui.adapters.pg_hub import PgHub
from tui.domain.errors import HubError
from tui.domain.sync import HUB_SCHEMA, PUT, HubRow


def test_a_closed_port_is_reported_unreachable(open_hub):
    hub = open_hub(f"postgresql://mindpane@127.0.0.1:{free_port()}/hub", "secret")

    with pytest.raises(HubError, match="unreachable: Connection refused") as caught:
        hub.journal()
    assert "next sync" in caught.value.hint


def test_a_wrong_password_is_reported_as_a_refused_login(hub_db, open_hub):
    with pytest.raises(HubError, match="refused the login: wrong password") as caught:
        open_hub(hub_db, password="not the password").journal()
    assert "secret command" in caught.value.hint
    assert "not the password" not in str(caught.value)


def test_no_password_for_a_hub_that_asks_one_says_to_set_the_secret_command(hub_db, open_hub, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)

    with pytest.raises(HubError, match="asks for a password and none was given") as caught:
        PgHub(hub_db.dsn, None).journal()
    assert "secret command" in caught.value.hint


def test_a_database_that_is_not_there_is_named(hub_server, open_hub):
    with pytest.raises(HubError, match='database "nowhere" does not exist'):
        open_hub(f"postgresql://mindpane@127.0.0.1:{hub_server.port}/nowhere", hub_server.password).journal()


def test_verify_full_against_a_certificate_of_an_unknown_ca_fails_and_says_how_to_trust_it(
        hub_server, tls_front, open_hub):
    database = hub_server.fresh_database(port=tls_front.port)

    with pytest.raises(HubError, match=r"secure \(TLS\) connection to the hub .* failed") as caught:
        open_hub(f"{database.dsn}?sslmode=verify-full", database.password).journal()
    assert "sslrootcert=" in caught.value.hint
    with pytest.raises(HubError, match="certificate verify failed"):
        open_hub(f"{database.dsn}?sslmode=verify-full&sslrootcert=system", database.password).journal()


def test_with_the_hubs_ca_verify_full_connects_over_tls(hub_server, tls_front, open_hub, journal):
    database = hub_server.fresh_database(port=tls_front.port)
    hub = open_hub(f"{database.dsn}?sslmode=verify-full&sslrootcert={hub_server.tls.ca}", database.password)

    hub.create(journal)

    assert hub.journal() == journal
    assert hub._connection.pgconn.ssl_in_use


def test_a_database_without_a_hub_says_to_make_one(hub_db, open_hub):
    with pytest.raises(HubError, match="not a mindpane hub") as caught:
        open_hub(hub_db).journal()
    assert "mindpane sync init" in caught.value.hint


def test_a_hub_from_a_newer_mindpane_is_refused_with_advice_to_upgrade(hub_server, hub_db, open_hub, journal):
    open_hub(hub_db).create(journal)
    with hub_server.admin(hub_db.name) as admin:
        admin.execute("UPDATE mindpane_meta SET schema = %s", (HUB_SCHEMA + 1,))

    with pytest.raises(HubError, match="newer mindpane") as caught:
        open_hub(hub_db).journal()
    assert "upgrade mindpane" in caught.value.hint


def test_a_row_the_hub_cut_short_comes_back_as_the_hub_has_it(hub_server, hub_db, open_hub, journal):
    """Refusing it is the envelope's check: the adapter neither mends nor hides it."""
    hub = open_hub(hub_db)
    hub.create(journal)
    sealed = os.urandom(64)
    hub.push([HubRow("e1", 1, "dev-a", PUT, sealed)], {})
    with hub_server.admin(hub_db.name) as admin:
        admin.execute("UPDATE mindpane_change SET sealed = substring(sealed from 1 for 10)")

    assert hub.pull(0)[0].sealed == sealed[:10]


def test_a_server_stopped_mid_session_is_unreachable_at_the_next_call_and_found_again_when_back(
        own_server, open_hub, journal):
    database = own_server.fresh_database()
    hub = open_hub(database)
    hub.create(journal)
    own_server.stop()

    with pytest.raises(HubError, match="unreachable"):
        hub.pull(0)
    with pytest.raises(HubError, match="unreachable"):
        hub.journal()
    own_server.start()
    assert hub.journal() == journal


def test_a_hub_that_accepts_but_never_answers_times_out(open_hub):
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        hub = open_hub(f"postgresql://mindpane@127.0.0.1:{port}/hub", "secret", connect_timeout=2)
        began = time.monotonic()
        with pytest.raises(HubError, match="did not answer within 2 s"):
            hub.journal()
    assert time.monotonic() - began < 8


def test_a_push_held_up_on_the_hub_gives_up_after_the_statement_timeout(hub_server, hub_db, open_hub, journal):
    hub = open_hub(hub_db, statement_timeout=1)
    hub.create(journal)
    with hub_server.admin(hub_db.name) as admin, admin.transaction():
        admin.execute("LOCK TABLE mindpane_change IN ACCESS EXCLUSIVE MODE")
        began = time.monotonic()
        with pytest.raises(HubError, match="did not answer within 1 s"):
            hub.push([HubRow("e1", 1, "dev-a", PUT, b"x")], {})
        assert time.monotonic() - began < 5
    assert hub.push([HubRow("e1", 1, "dev-a", PUT, b"x")], {}).accepted


@pytest.mark.parametrize("dsn", ["postgresql://mindpane:hunter2-secret@127.0.0.1:5432/hub",
                                 "host=127.0.0.1 user=mindpane password=hunter2-secret dbname=hub",
                                 "postgresql://db.example.org/hub?sslpassword=hunter2-secret"])
def test_an_address_holding_a_password_is_refused_and_the_password_is_not_repeated(dsn):
    with pytest.raises(HubError, match="holds a") as caught:
        PgHub(dsn, None)
    assert "secret command" in caught.value.hint
    assert "hunter2" not in f"{caught.value} {caught.value.hint}"


def test_an_address_that_cannot_be_read_is_refused_without_quoting_it():
    with pytest.raises(HubError, match="cannot be read") as caught:
        PgHub("host=127.0.0.1 password", None)
    assert "password" not in str(caught.value).replace("without the password", "")


@pytest.mark.parametrize("dsn", ["postgresql://mindpane@db.example.org/hub?sslmode=disable",
                                 "host=db.example.org sslmode=require dbname=hub",
                                 "host=127.0.0.1,10.0.0.7 sslmode=prefer",
                                 "host=localhost hostaddr=192.0.2.1 sslmode=allow"])
def test_a_remote_hub_without_verified_tls_is_refused_before_connecting(dsn):
    with pytest.raises(HubError, match="too weak for a hub on another machine") as caught:
        PgHub(dsn, "secret")
    assert "verify-full" in caught.value.hint


@pytest.mark.parametrize(("dsn", "sslmode"), [
    ("postgresql://mindpane@db.example.org/hub", "verify-full"),
    ("postgresql://mindpane@[2001:db8::1]/hub", "verify-full"),
    ("host=db.example.org sslmode=verify-ca sslrootcert=/etc/ca.crt", "verify-ca"),
    ("postgresql://mindpane@127.0.0.9:5433/hub", None),
    ("postgresql://mindpane@[::1]/hub", None),
    ("host=localhost dbname=hub sslmode=disable", "disable"),
    ("host=/run/postgresql dbname=hub", None),
    ("dbname=hub", None),
])
def test_a_remote_hub_is_reached_over_verified_tls_a_local_one_as_written(dsn, sslmode, monkeypatch):
    for name in ("PGHOST", "PGHOSTADDR", "PGSSLMODE"):
        monkeypatch.delenv(name, raising=False)

    assert hub_conninfo(dsn).get("sslmode") == sslmode


def test_a_remote_host_from_the_environment_counts_as_remote(monkeypatch):
    monkeypatch.setenv("PGHOST", "db.example.org")
    monkeypatch.delenv("PGSSLMODE", raising=False)

    assert hub_conninfo("dbname=hub")["sslmode"] == "verify-full"


def test_opening_the_hub_module_does_not_load_psycopg():
    """psycopg's C part costs start time: it loads when a hub is opened, not when the app starts."""
    probe = "import sys, tui.adapters.pg_hub, tui.adapters.hub_dsn; print('psycopg' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO,
                           env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    assert shown.stdout.strip() == "False"


def test_a_hub_frozen_mid_session_gives_up_instead_of_hanging(own_server, open_hub, journal):
    """A frozen server (stopped process, a dead link) acknowledges nothing and cancels nothing: the
    server-side statement timeout never fires, so the device cuts the link itself."""
    hub = open_hub(own_server.fresh_database(), statement_timeout=1)
    hub.create(journal)
    backend = hub._connection.info.backend_pid
    os.kill(backend, signal.SIGSTOP)
    try:
        began = time.monotonic()
        with pytest.raises(HubError, match="did not answer within"):
            hub.pull(0)
        assert time.monotonic() - began < 6
    finally:
        os.kill(backend, signal.SIGCONT)
    assert hub.journal() == journal


def test_pulling_or_pushing_where_there_is_no_hub_says_to_make_one(hub_db, open_hub):
    hub = open_hub(hub_db)

    with pytest.raises(HubError, match="not a mindpane hub"):
        hub.pull(0)
    with pytest.raises(HubError, match="not a mindpane hub"):
        hub.push([HubRow("e1", 1, "dev-a", PUT, b"x")], {})
    with pytest.raises(HubError, match="not a mindpane hub"):
        hub.register("dev-a", "laptop")
