"""A hub's address as a person writes it, checked before any byte leaves this machine (#21).

The address (a libpq URI or ``key=value`` string) never holds the password: addresses end up in
config files, shell history and error reports, so the password comes from the secret command only.
A hub that is not on this machine is reached over verified TLS (``verify-full`` unless the address
says ``verify-ca``): a journal's sealed rows, the device ids and the login are not for the network
to read or redirect. Loopback (127.0.0.0/8, ::1, localhost) and unix sockets keep libpq's default.
"""

from __future__ import annotations

import ipaddress
import os

from tui.domain.errors import HubError

SECRET_KEYS = ("password", "sslpassword")
VERIFIED = ("verify-ca", "verify-full")
FORMS_HINT = ("write it as postgresql://user@host:5432/dbname or \"host=... port=5432 user=... dbname=...\" "
              "(without the password)")


def hub_conninfo(dsn: str) -> dict[str, str]:
    """The connection parameters for ``dsn``, with the TLS rule applied; ``HubError`` for an address
    that holds a secret, that cannot be read, or that would reach a remote hub without verified TLS."""
    from psycopg import conninfo

    if not dsn.strip():
        raise HubError("no hub address is set", FORMS_HINT)
    try:
        params = {key: str(value) for key, value in conninfo.conninfo_to_dict(dsn).items()}
    except Exception:  # psycopg.ProgrammingError; its text may quote the address, secret and all
        raise HubError("the hub address cannot be read", FORMS_HINT) from None
    for key in SECRET_KEYS:
        if params.get(key):
            raise HubError(f"the hub address holds a {key}",
                           "take it out of the address: the password belongs in the secret command "
                           "(the config's password command), never in the address, a config file or .env")
    remote = [host for host in hosts(params) if not is_local(host)]
    if remote:
        mode = params.get("sslmode") or os.environ.get("PGSSLMODE") or ""
        if not mode:
            params["sslmode"] = "verify-full"
        elif mode not in VERIFIED:
            raise HubError(f"sslmode={mode} is too weak for a hub on another machine ({remote[0]})",
                           "use sslmode=verify-full (the default for a remote hub) or verify-ca, with "
                           "sslrootcert=<the hub's CA certificate> if its certificate is not from a public CA")
    return params


def hosts(params: dict[str, str]) -> list[str]:
    """Every address libpq may connect to: ``hostaddr`` wins over ``host`` where both are given;
    none at all means libpq's default (``PGHOST``, else the local unix socket)."""
    named = _split(params.get("host") or os.environ.get("PGHOST", ""))
    numeric = _split(params.get("hostaddr") or os.environ.get("PGHOSTADDR", ""))
    if numeric:
        return numeric
    return named or [""]


def is_local(host: str) -> bool:
    """Loopback or a unix socket (a path, an abstract ``@`` socket, or no host at all)."""
    if not host or host.startswith(("/", "@")) or host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def describe(params: dict[str, str]) -> str:
    """Where the hub is, for messages: host(s), port and database; never a secret."""
    where = ",".join(host or "local socket" for host in hosts(params))
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    database = params.get("dbname") or params.get("user") or ""
    return f"{where}:{port}" + (f"/{database}" if database else "")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",")] if value else []
