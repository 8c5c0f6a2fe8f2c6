"""Raw HTTP/1.1 over a socket, for what ``requests`` will not send (invalid UTF-8, chunked bodies of our choosing,
``Expect: 100-continue``, malformed framing), and the checks every hostile-input test makes on an answer: no
5xx, no stack trace or class name in the body, the route's own error shape.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
from dataclasses import dataclass

# What would betray the server's insides in a body: a Java stack frame, an exception or class name, a package.
LEAK = re.compile(r"dev\.sift|java\.|javax\.|jdk\.|kotlin\.|io\.javalin|org\.eclipse|com\.fasterxml|jackson"
                  r"|Exception|\bat [a-z]+\.[a-z]|\.java:\d+|Caused by", re.IGNORECASE)


def leaks(text: str) -> list[str]:
    """The suspicious fragments of a body, with some context; empty when clean."""
    return [text[max(0, m.start() - 30):m.end() + 30] for m in LEAK.finditer(text)]


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    interim: list[int]  # 1xx statuses seen before the final one (100 Continue)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class Raw:
    """One connection to host:port (TLS when ``tls_context`` is given) that writes bytes and reads one response."""

    def __init__(self, host: str, port: int, timeout: float = 30.0, tls_context: ssl.SSLContext | None = None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls_context is not None:
            self.sock = tls_context.wrap_socket(self.sock, server_hostname=host)
        self.buf = b""
        self.timeout = timeout

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "Raw":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _fill(self, deadline: float) -> bool:
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def _head(self, deadline: float) -> tuple[int, str, dict[str, str]] | None:
        while b"\r\n\r\n" not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no response head in time")
            if not self._fill(deadline):
                if not self.buf:
                    return None
                raise ConnectionError(f"connection closed inside a response head: {self.buf[:200]!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("iso-8859-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(parts[1]), parts[2] if len(parts) > 2 else "", headers

    def read_interim(self, timeout: float) -> int | None:
        """A 1xx (or final) status line if one arrives within ``timeout``; None if nothing came. Leaves a final
        response in the buffer for ``read_response``."""
        deadline = time.monotonic() + timeout
        try:
            while b"\r\n" not in self.buf:
                if time.monotonic() > deadline or not self._fill(deadline):
                    return None
        except (TimeoutError, socket.timeout):
            return None
        status = int(self.buf.split(b" ", 2)[1])
        if status < 200:
            self._head(deadline + self.timeout)
        return status

    def read_response(self, timeout: float | None = None) -> RawResponse:
        deadline = time.monotonic() + (timeout or self.timeout)
        interim = []
        while True:
            head = self._head(deadline)
            if head is None:
                raise ConnectionError("connection closed with no response")
            status, reason, headers = head
            if status >= 200:
                break
            interim.append(status)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._chunked(deadline)
        else:
            length = int(headers.get("content-length", "0") or 0)
            while len(self.buf) < length:
                if time.monotonic() > deadline:
                    raise TimeoutError("body not complete in time")
                if not self._fill(deadline):
                    break
            body, self.buf = self.buf[:length], self.buf[length:]
        return RawResponse(status, reason, headers, body, interim)

    def _chunked(self, deadline: float) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                if not self._fill(deadline):
                    return body
            size_line, self.buf = self.buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(self.buf) < size + 2:
                if not self._fill(deadline):
                    return body + self.buf
            body += self.buf[:size]
            self.buf = self.buf[size + 2:]
            if size == 0:
                return body


def request_bytes(method: str, path: str, body: bytes | None, headers: dict[str, str], host: str = "127.0.0.1") -> bytes:
    """A request with Content-Length (unless the headers say chunked), exactly these bytes as the body."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    h = dict(headers)
    if body is not None and "Transfer-Encoding" not in h and "Content-Length" not in h:
        h["Content-Length"] = str(len(body))
    lines += [f"{k}: {v}" for k, v in h.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1") + (body or b"")


def chunked(body: bytes, size: int = 1000) -> bytes:
    """``body`` in chunked transfer coding, ``size`` bytes a chunk."""
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"
