"""The sync hub on an ordinary Postgres (#21): a relay of sealed rows between devices, not the store.

Three tables, prefix ``mindpane_``: ``meta`` (one row: layout, journal id, wrapped key), ``device``
(id, name, first/last seen) and ``change`` (one row per change: seq, entry id, version, device, kind,
the sealed bytes, when). No column can hold an entry's text: the sealed bytes are an AEAD ciphertext
made on the device. ``seq`` is the order every device pulls in, so pushes take one table lock: seqs
are then handed out and committed one push after another, and a reader that saw seq 11 can never
find a seq 10 committed later (with a bare identity column it could, and would skip it forever).
psycopg is imported when a hub is opened, never when this module is (its C part costs start time).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from tui.adapters.hub_dsn import describe, hub_conninfo
from tui.adapters.hub_faults import explain, not_a_hub
from tui.domain.errors import HubError
from tui.domain.sync import ERASE, HUB_SCHEMA, PUT, HubJournal, HubRow, PushResult

T = TypeVar("T")
CREATE_LOCK = 0x6D696E6470616E65
"""An advisory lock two devices making the hub at once queue on ("mindpane" in ASCII)."""

SCHEMA = f"""
CREATE TABLE mindpane_meta (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    schema integer NOT NULL,
    journal_id text NOT NULL,
    wrapped_key bytea NOT NULL,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE mindpane_device (
    id text PRIMARY KEY,
    name text NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE mindpane_change (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id text NOT NULL,
    version integer NOT NULL,
    device text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('{PUT}', '{ERASE}')),
    sealed bytea,
    at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (entry_id, version, kind)
);
"""
"""The primary key serves pull-by-seq; the unique (entry_id, version, kind) index serves an entry's
latest version and its erases. ``kind`` is in it so an erase is accepted at any version (forget is
final, even from a device that had not seen the newest edit) while a put's version stays unique."""

class PgHub:
    """``tui.ports.Hub`` over psycopg 3; one connection, opened on first use and again after a loss.
    Every call blocks (network): use a worker."""

    def __init__(self, dsn: str, password: str | None, connect_timeout: float = 10.0,
                 statement_timeout: float = 30.0) -> None:
        self._params = hub_conninfo(dsn)
        self._where = describe(self._params)
        self._password = password
        self._connect_timeout = connect_timeout
        self._statement_timeout = statement_timeout
        self._connection: Any = None
        self._lock = threading.RLock()

    # -- the port
    def create(self, journal: HubJournal) -> None:
        def work(connection: Any) -> None:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (CREATE_LOCK,))
                if connection.execute("SELECT to_regclass('mindpane_meta')").fetchone()[0] is not None:
                    raise HubError("this database already holds a mindpane journal",
                                   "use `mindpane sync join` to join it from this device")
                connection.execute(SCHEMA)
                connection.execute("INSERT INTO mindpane_meta (schema, journal_id, wrapped_key) VALUES (%s, %s, %s)",
                                   (HUB_SCHEMA, journal.journal_id, journal.wrapped_key))

        self._run(work)

    def journal(self) -> HubJournal:
        def work(connection: Any) -> HubJournal:
            found = connection.execute("SELECT schema FROM mindpane_meta").fetchone()  # no table: not a hub
            if found is None:
                raise not_a_hub()
            if found[0] > HUB_SCHEMA:
                raise HubError(f"this hub was set up by a newer mindpane (hub layout {found[0]}; this mindpane "
                               f"knows up to {HUB_SCHEMA})", "upgrade mindpane on this device, then sync again")
            journal_id, wrapped_key = connection.execute(
                "SELECT journal_id, wrapped_key FROM mindpane_meta").fetchone()
            return HubJournal(journal_id, bytes(wrapped_key))

        return self._run(work)

    def register(self, device: str, name: str) -> None:
        self._run(lambda connection: connection.execute(
            "INSERT INTO mindpane_device (id, name) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE "
            "SET name = excluded.name, last_seen = greatest(now(), mindpane_device.last_seen)", (device, name)))

    def push(self, rows: Sequence[HubRow], bases: Mapping[str, int]) -> PushResult:
        if not rows:
            return PushResult()
        return self._run(lambda connection: _push(connection, rows, bases))

    def pull(self, after: int, limit: int = 1000) -> list[HubRow]:
        def work(connection: Any) -> list[HubRow]:
            found = connection.execute(
                "SELECT seq, entry_id, version, device, kind, sealed FROM mindpane_change WHERE seq > %s "
                "ORDER BY seq LIMIT %s", (after, limit)).fetchall()
            return [HubRow(entry, version, device, kind, None if sealed is None else bytes(sealed), seq)
                    for seq, entry, version, device, kind, sealed in found]

        return self._run(work)

    def close(self) -> None:
        with self._lock:
            self._drop()

    # -- the connection
    def _run(self, work: Callable[[Any], T]) -> T:
        """``work`` on the connection; a connection lost since the last call (a hub restarted) is
        opened again once, and every psycopg error leaves as a ``HubError``."""
        import psycopg

        with self._lock:
            for attempt in (1, 2):
                reused = self._connection is not None
                connection = self._connect()
                watchdog = _Watchdog(connection, self.deadline)
                try:
                    return work(connection)
                except psycopg.Error as exc:
                    lost = connection.broken or connection.closed or watchdog.fired
                    if lost:
                        self._drop()
                    if watchdog.fired:
                        raise HubError(f"the hub at {self._where} did not answer within {self.deadline:g} s",
                                       "its server or the link to it seems frozen; your changes stay on this "
                                       "device and go out at the next sync") from None
                    if not (lost and reused and attempt == 1):
                        raise explain(exc, self._where, self._timeout_for(exc)) from None
                finally:
                    watchdog.stop()
            raise AssertionError("unreachable")  # the loop returns or raises

    @property
    def deadline(self) -> float:
        """How long one call may take before the device cuts the link: the server's statement
        timeout cannot fire on a frozen server or a dead link (nothing answers, not even a cancel)."""
        return self._statement_timeout * 2 + 1

    def _connect(self) -> Any:
        if self._connection is not None:
            return self._connection
        import psycopg

        params = dict(self._params)
        params.setdefault("connect_timeout", str(max(2, round(self._connect_timeout))))
        params.setdefault("application_name", "mindpane")
        # a statement may take statement_timeout; a session of a device gone quiet mid-transaction
        # (a laptop closed mid-push) is ended by the hub after the deadline, releasing the push lock
        ms, idle_ms = round(self._statement_timeout * 1000), round(self.deadline * 1000)
        params["options"] = (f"{params.get('options', '')} -c statement_timeout={ms} "
                             f"-c idle_in_transaction_session_timeout={idle_ms}").strip()
        if self._password is not None:
            params["password"] = self._password
        try:
            self._connection = psycopg.connect(autocommit=True, **params)
        except psycopg.Error as exc:
            raise explain(exc, self._where, self._connect_timeout) from None
        return self._connection

    def _timeout_for(self, exc: BaseException) -> float:
        from psycopg import errors

        return self._statement_timeout if isinstance(exc, errors.QueryCanceled) else self._connect_timeout

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # closing a broken link may fail too: nothing left to do
                connection.close()


class _Watchdog:
    """Cuts the connection's socket if a call outlives ``deadline``: libpq then sees the link closed
    and the call ends, where it would otherwise wait on a frozen hub for good."""

    def __init__(self, connection: Any, deadline: float) -> None:
        self.fired = False
        self._connection = connection
        self._timer = threading.Timer(deadline, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        self._timer.cancel()

    def _cut(self) -> None:
        self.fired = True
        # the link may be gone already: nothing to cut
        with contextlib.suppress(Exception), socket.socket(fileno=os.dup(self._connection.fileno())) as link:
            link.shutdown(socket.SHUT_RDWR)


def _push(connection: Any, rows: Sequence[HubRow], bases: Mapping[str, int]) -> PushResult:
    """One transaction under the change table's lock: decide each row against the hub's state (as
    the rows before it in this push leave it), append the accepted ones in one batch, and drop the
    ciphertexts of every entry an erase was accepted for."""
    entries = sorted({row.entry_id for row in rows})
    with connection.transaction():
        connection.execute("LOCK TABLE mindpane_change IN SHARE ROW EXCLUSIVE MODE")
        latest = dict(connection.execute(
            "SELECT entry_id, max(version) FROM mindpane_change WHERE entry_id = ANY(%s) GROUP BY entry_id",
            (entries,)).fetchall())
        erases: dict[tuple[str, int], int] = {
            (entry, version): seq for entry, version, seq in connection.execute(
                "SELECT entry_id, version, seq FROM mindpane_change WHERE kind = %s AND entry_id = ANY(%s)",
                (ERASE, entries)).fetchall()}
        appending, conflicts, refused = _decide(rows, bases, latest, erases)
        seqs = _append(connection, appending)
        accepted = {row.entry_id: erases.get((row.entry_id, row.version), 0) for row in rows
                    if row.kind == ERASE}
        accepted.update({row.entry_id: seq for row, seq in zip(appending, seqs, strict=True)})
        dropped = [(row.entry_id, seq) for row, seq in zip(appending, seqs, strict=True) if row.kind == ERASE]
        if dropped:
            connection.execute(
                "UPDATE mindpane_change AS c SET sealed = NULL FROM unnest(%s::text[], %s::bigint[]) AS e(entry, seq) "
                "WHERE c.entry_id = e.entry AND c.seq < e.seq AND c.kind = %s AND c.sealed IS NOT NULL",
                ([entry for entry, _ in dropped], [seq for _, seq in dropped], PUT))
        connection.execute("UPDATE mindpane_device SET last_seen = greatest(now(), last_seen) WHERE id = ANY(%s)",
                           (sorted({row.device for row in rows}),))
    return PushResult(accepted, frozenset(conflicts), frozenset(refused))


def _decide(rows: Sequence[HubRow], bases: Mapping[str, int], latest: dict[str, int],
            erases: Mapping[tuple[str, int], int]) -> tuple[list[HubRow], set[str], set[str]]:
    """Which rows the hub takes: a put only on top of the version its device started from (then the
    next put of that entry in this push starts from it), never for an erased entry; an erase always
    (once per entry and version: a retry after a lost answer is not stored twice)."""
    erased = {entry for entry, _ in erases}
    expected = {row.entry_id: bases.get(row.entry_id, 0) for row in rows}
    appending: list[HubRow] = []
    seen_erases: set[tuple[str, int]] = set(erases)
    conflicts: set[str] = set()
    refused: set[str] = set()
    for row in rows:
        entry, now = row.entry_id, latest.get(row.entry_id, 0)
        if row.kind not in (PUT, ERASE):
            raise HubError(f"a change of an unknown kind ({row.kind!r}) cannot go to the hub",
                           "this is a bug in mindpane: please report it")
        if row.kind == ERASE:
            erased.add(entry)
            if (entry, row.version) not in seen_erases:
                seen_erases.add((entry, row.version))
                appending.append(row)
                latest[entry] = max(now, row.version)
        elif entry in erased:
            refused.add(entry)
        elif entry in conflicts or now != expected[entry] or row.version <= now:
            conflicts.add(entry)
        else:
            appending.append(row)
            latest[entry] = expected[entry] = row.version
    return appending, conflicts, refused


def _append(connection: Any, rows: Sequence[HubRow]) -> list[int]:
    """The rows appended in their order (one pipelined batch); the seq each got."""
    if not rows:
        return []
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO mindpane_change (entry_id, version, device, kind, sealed) VALUES (%s, %s, %s, %s, %s) "
            "RETURNING seq", [(row.entry_id, row.version, row.device, row.kind, row.sealed) for row in rows],
            returning=True)
        seqs: list[int] = []
        while True:
            seqs.append(cursor.fetchone()[0])
            if not cursor.nextset():
                return seqs
