"""What went wrong with a hub, said once, at the adapter's edge (#21): psycopg's errors become a
``HubError`` a person can act on (message + hint), so no service or screen sees a libpq string.

libpq reports a failed connection as one ``OperationalError`` whose text names the cause; the
cause decides the hint. Its text never holds the password (libpq does not echo it), and the
address in messages is ``hub_dsn.describe``'s: host, port and database only.
"""

from __future__ import annotations

WAITING = "your changes stay on this device and go out at the next sync"
TLS_HINT = ("if the hub's certificate is from your own CA, put sslrootcert=/path/to/ca.crt in the hub "
            "address; check that the certificate names the host you wrote (verify-full checks it)")


def not_a_hub() -> Exception:
    from tui.domain.errors import NotAHub

    return NotAHub("this database holds no mindpane journal: it is not a mindpane hub",
                    "run `mindpane sync init` to make it one, or check the hub address")


def explain(exc: BaseException, where: str, timeout: float) -> Exception:
    """A ``HubError`` for a psycopg error met talking to the hub at ``where``."""
    from psycopg import errors

    from tui.domain.errors import HubError, HubWantsPassword

    text = detail(exc)
    lowered = text.lower()
    if isinstance(exc, errors.UndefinedTable):
        return not_a_hub()
    if isinstance(exc, errors.QueryCanceled):
        return HubError(f"the hub at {where} did not answer within {timeout:g} s",
                        f"it may be overloaded or another device holds it busy; {WAITING}")
    if isinstance(exc, errors.InsufficientPrivilege):
        return HubError(f"the hub's database user may not do this: {text}",
                        "connect as the user that owns the hub's database (CREATE DATABASE ... OWNER ...)")
    if isinstance(exc, errors.DiskFull):
        return HubError(f"the hub at {where} is out of disk space", f"free space on the hub's server; {WAITING}")
    if "password authentication failed" in lowered:
        return HubError(f"the hub at {where} refused the login: wrong password or user",
                        "check the user in the hub address and the password your secret command prints")
    if "no password supplied" in lowered:
        return HubWantsPassword(f"the hub at {where} asks for a password and none was given",
                        "set the sync secret command so that it prints the hub's password")
    if _tls(lowered):
        return HubError(f"a secure (TLS) connection to the hub at {where} failed: {text}", TLS_HINT)
    if "does not exist" in lowered and ("database" in lowered or "role" in lowered):
        return HubError(f"the hub at {where} refused the login: {text}",
                        "check the database and user names in the hub address")
    if "timeout expired" in lowered:
        return HubError(f"the hub at {where} did not answer within {timeout:g} s",
                        f"check the address and that the server is up; {WAITING}")
    if _connection_level(exc):
        return HubError(f"the hub at {where} is unreachable: {text}",
                        f"check that its server is running and reachable from here; {WAITING}")
    return HubError(f"the hub at {where} failed: {text}", WAITING)


def detail(exc: BaseException) -> str:
    """libpq's cause without its preamble: ``Connection refused``, ``SSL error: ...``."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("connection failed:",):
        text = text.removeprefix(prefix).strip()
    if text.startswith("connection to server") and " failed: " in text:
        text = text.split(" failed: ", 1)[1]
    return text.removeprefix("FATAL:").strip()


def _tls(lowered: str) -> bool:
    return any(word in lowered for word in ("ssl", "certificate", "tls"))


def _connection_level(exc: BaseException) -> bool:
    """A failure of the link, not of a statement: connecting failed, or the session was cut."""
    from psycopg import OperationalError, errors

    if isinstance(exc, errors.AdminShutdown | errors.CrashShutdown | errors.CannotConnectNow):
        return True
    return isinstance(exc, OperationalError) and getattr(exc, "sqlstate", None) is None
