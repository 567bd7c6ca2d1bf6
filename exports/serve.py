"""Serve an output folder over HTTP so calendar apps can subscribe to its feeds.

A small read-only file server: the folder as it is, with the right types
(``text/calendar; charset=utf-8`` for ``.ics``), a strong ``ETag`` (a hash of
the bytes) and ``Last-Modified``, so a subscribed calendar that asks again with
``If-None-Match`` gets ``304 Not Modified`` until a rebuild really changes the
feed. Outputs are published atomically (:mod:`exports.publish`), and an open
file is streamed to its end, so a request during a rebuild gets the old file or
the new one, never half of each.

Nothing outside the folder is served (``../``, encoded or not, and links that lead
out get 404), nor hidden files (``feeds/.state.json``), nor directory listings:
a folder is served as its ``index.html`` or not at all.

Built on :mod:`asyncio` of the standard library rather than ``http.server``
(a thread per connection, no timeouts, every response buffered whole) or a
server package (one more dependency for ~250 lines): one event-loop thread
holds every connection, so a thousand idle or slow clients cost a few
kilobytes each and no thread; a bounded pool of worker threads reads and
hashes files; files go out in 64 KiB chunks, each written only when the
client has taken the previous ones (memory per slow reader is bounded by the
socket buffer). A request's head must arrive within ``header_timeout``, an idle
keep-alive connection is closed after ``idle_timeout``, a client that stops
reading after ``write_timeout``; heads are limited to 16 KiB; the listen
backlog is 1024; ``Range`` requests (one range) get ``206``/``416``.

    $ timeline serve site
    serving site on http://127.0.0.1:8000/ (Ctrl-C stops)
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mimetypes
import os
import re
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

CONTENT_TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
}
INDEX = "index.html"


def content_type(path: Path) -> str:
    """The Content-Type a file is served with.

    >>> content_type(Path("feeds/all.ics"))
    'text/calendar; charset=utf-8'
    """
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def etag(payload: bytes) -> str:
    """A strong validator: the same bytes always give the same tag."""
    return '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'


def _etag_matches(header: str, tag: str) -> bool:
    """If-None-Match uses the weak comparison: W/"x" matches "x"."""
    if header.strip() == "*":
        return True
    candidates = [part.strip() for part in header.split(",")]
    return any(candidate.removeprefix("W/") == tag for candidate in candidates)


def _not_modified_since(header: str, modified: float) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None:
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return int(modified) <= since.timestamp()


HEAD_LIMIT = 16 * 1024
CHUNK = 64 * 1024
BACKLOG = 1024


def _target(root: Path, request_path: str) -> tuple[Path | None, str | None]:
    """(file to serve, None), (None, redirect location) or (None, None) for 404."""
    raw = urlsplit(request_path).path
    text = unquote(raw, errors="strict") if "%" in raw else raw
    if "\x00" in text or "\\" in text or not text.startswith("/"):
        return None, None
    parts = [part for part in text.split("/") if part]
    if any(part in (".", "..") or part.startswith(".") for part in parts):
        return None, None  # escapes and hidden files (.state.json, .x.tmp)
    candidate = root.joinpath(*parts)
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None, None
    if resolved != root and not resolved.is_relative_to(root):
        return None, None  # a link that leads out of the folder
    if resolved.is_dir():
        if not text.endswith("/"):
            return None, quote("/" + "/".join(parts) + "/")  # never //host/
        index = resolved / INDEX
        return (index, None) if index.is_file() else (None, None)
    return (resolved, None) if resolved.is_file() else (None, None)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """The inclusive (first, last) byte of a one-range ``Range`` header.

    None: ignore the header (several ranges, or not bytes): serve the whole
    file. False: not satisfiable (416).

    >>> byte_range("bytes=0-9", 100), byte_range("bytes=-10", 100), byte_range("bytes=200-", 100)
    ((0, 9), (90, 99), False)
    """
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:
        length = int(last)
        if length == 0:
            return False
        return (max(size - length, 0), size - 1) if size else False
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


class _Request:
    __slots__ = ("headers", "method", "target", "version")

    def __init__(self, method: str, target: str, version: str, headers: dict[str, str]):
        self.method, self.target, self.version, self.headers = method, target, version, headers


def _parse_head(head: bytes) -> _Request | None:
    try:
        text = head.decode("iso-8859-1")
    except UnicodeDecodeError:
        return None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            return None
        headers[name.lower()] = value.strip()
    return _Request(parts[0], parts[1], parts[2], headers)


class FileServer:
    """The server for one folder; ``serve_forever`` in one thread, ``shutdown`` from another.

    The socket is bound when the server is made, so a busy or forbidden port
    raises :class:`OSError` there, before anything runs.
    """

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        quiet: bool = False,
        workers: int = 4,
        header_timeout: float = 10.0,
        idle_timeout: float = 30.0,
        write_timeout: float = 60.0,
        max_connections: int = 10_000,
    ) -> None:
        self.root = root
        self.quiet = quiet
        self.header_timeout = header_timeout
        self.idle_timeout = idle_timeout
        self.write_timeout = write_timeout
        self.max_connections = max_connections
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family, backlog=BACKLOG)
        self.server_address = self.socket.getsockname()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="serve-file")
        self.connections = 0
        self._etags: dict[tuple, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._finished = threading.Event()

    # --- running ---------------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until :meth:`shutdown` (``poll_interval`` is accepted for http.server's API)."""
        self._finished.clear()
        try:
            asyncio.run(self._main())
        finally:
            self._finished.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(
            self._connection, sock=self.socket, limit=HEAD_LIMIT, backlog=BACKLOG
        )
        self._started.set()
        async with server:
            await self._stop.wait()
            server.close()
        self._started.clear()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait until it has returned."""
        if not self._started.wait(timeout=10) or self._loop is None or self._stop is None:
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._finished.wait(timeout=10)

    def server_close(self) -> None:
        self.socket.close()
        self.pool.shutdown(wait=False, cancel_futures=True)

    # --- one connection ----------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.connections += 1
        try:
            if self.connections > self.max_connections:
                return
            timeout = self.header_timeout
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
                except asyncio.LimitOverrunError:
                    await self._plain(writer, HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, False)
                    return
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, ValueError):
                    return
                request = _parse_head(head)
                if request is None:
                    await self._plain(writer, HTTPStatus.BAD_REQUEST, False)
                    return
                if not await self._answer(request, writer):
                    return
                timeout = self.idle_timeout
        except (ConnectionError, TimeoutError):
            return
        finally:
            self.connections -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await asyncio.wait_for(writer.drain(), self.write_timeout)

    def _head(self, status: HTTPStatus, headers: list[tuple[str, str]], keep: bool) -> bytes:
        lines = [f"HTTP/1.1 {status.value} {status.phrase}", "Server: cn-timeline"]
        lines.append(f"Date: {formatdate(usegmt=True)}")
        lines += [f"{name}: {value}" for name, value in headers]
        if not keep:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _plain(
        self, writer, status: HTTPStatus, keep: bool, head_only: bool = False, extra=()
    ) -> bool:
        body = f"{status.value} {status.phrase}\n".encode()
        headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *extra,
        ]
        await self._send(writer, self._head(status, headers, keep) + (b"" if head_only else body))
        return keep

    async def _answer(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; True when the connection may take another."""
        keep = request.version == "HTTP/1.1" and request.headers.get("connection", "").lower() != (
            "close"
        )
        has_body = request.headers.get("content-length", "0") not in ("", "0") or (
            "transfer-encoding" in request.headers
        )
        if has_body:
            keep = False  # a body is never read: the connection ends with this answer
        head_only = request.method == "HEAD"
        if request.method not in ("GET", "HEAD"):
            self._log(request, 405)
            return await self._plain(
                writer, HTTPStatus.METHOD_NOT_ALLOWED, False, extra=[("Allow", "GET, HEAD")]
            )
        try:
            target, location = _target(self.root, request.target)
        except UnicodeDecodeError:
            target, location = None, None
        if location is not None:
            self._log(request, 301)
            headers = [("Location", location), ("Content-Length", "0")]
            await self._send(writer, self._head(HTTPStatus.MOVED_PERMANENTLY, headers, keep))
            return keep
        if target is None:
            self._log(request, 404)
            return await self._plain(writer, HTTPStatus.NOT_FOUND, keep, head_only)
        loop = asyncio.get_running_loop()
        try:
            handle = await loop.run_in_executor(self.pool, open, target, "rb")
        except OSError:
            self._log(request, 404)
            return await self._plain(writer, HTTPStatus.NOT_FOUND, keep, head_only)
        with handle:
            info = os.fstat(handle.fileno())
            tag = await loop.run_in_executor(self.pool, self._etag_of, handle, info)
            return await self._file(request, writer, handle, info, tag, keep, head_only)

    def _etag_of(self, handle, info: os.stat_result) -> str:
        """The file's strong validator, hashed in chunks (cached while the file is unchanged)."""
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        tag = self._etags.get(key)
        if tag is None:
            digest = hashlib.sha256()
            while chunk := handle.read(CHUNK * 4):
                digest.update(chunk)
            handle.seek(0)
            tag = '"' + digest.hexdigest()[:32] + '"'
            if len(self._etags) > 4096:
                self._etags.clear()
            self._etags[key] = tag
        return tag

    async def _file(self, request, writer, handle, info, tag, keep, head_only) -> bool:
        modified = info.st_mtime
        last_modified = formatdate(int(modified), usegmt=True)
        validators = [
            ("ETag", tag),
            ("Last-Modified", last_modified),
            ("Cache-Control", "no-cache"),  # reuse, but ask again each time
        ]
        if_none_match = request.headers.get("if-none-match")
        if_modified_since = request.headers.get("if-modified-since")
        if (if_none_match is not None and _etag_matches(if_none_match, tag)) or (
            if_none_match is None
            and if_modified_since is not None
            and _not_modified_since(if_modified_since, modified)
        ):
            self._log(request, 304)
            await self._send(writer, self._head(HTTPStatus.NOT_MODIFIED, validators, keep))
            return keep
        size = info.st_size
        first, last, status = 0, size - 1, HTTPStatus.OK
        headers = [("Content-Type", content_type(Path(handle.name)))]
        wanted = request.headers.get("range")
        if_range = request.headers.get("if-range")
        if wanted is not None and (if_range is None or if_range.strip() == tag):
            chosen = byte_range(wanted, size)
            if chosen is False:
                self._log(request, 416)
                return await self._plain(
                    writer,
                    HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    keep,
                    head_only,
                    extra=[("Content-Range", f"bytes */{size}")],
                )
            if chosen is not None:
                first, last = chosen
                status = HTTPStatus.PARTIAL_CONTENT
                headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
        length = max(last - first + 1, 0)
        headers += [
            ("Content-Length", str(length)),
            ("Accept-Ranges", "bytes"),
            *validators,
            ("X-Content-Type-Options", "nosniff"),
        ]
        self._log(request, status.value)
        await self._send(writer, self._head(status, headers, keep))
        if head_only:
            return keep
        loop = asyncio.get_running_loop()
        handle.seek(first)
        left = length
        while left > 0:
            chunk = await loop.run_in_executor(self.pool, handle.read, min(CHUNK, left))
            if not chunk:
                return False  # the file shrank: the client sees a short body and reconnects
            left -= len(chunk)
            await self._send(writer, chunk)
        return keep

    def _log(self, request: _Request, status: int) -> None:
        if self.quiet:
            return
        shown = request.target.encode("unicode_escape").decode("ascii")[:200]
        print(f'"{request.method} {shown}" {status}', file=sys.stderr)


def make_server(
    directory: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    quiet: bool = False,
    **settings,
) -> FileServer:
    """A server for ``directory`` (not yet started); port 0 picks a free port.

    ``settings``: ``workers``, ``header_timeout``, ``idle_timeout``,
    ``write_timeout``, ``max_connections`` (see :class:`FileServer`).

    >>> server = make_server("site", port=0)
    >>> threading.Thread(target=server.serve_forever, daemon=True).start()
    """
    root = Path(directory).resolve(strict=True)
    if not root.is_dir():
        raise NotADirectoryError(f"{directory}: not a folder")
    return FileServer(root, host, port, quiet=quiet, **settings)


def serve(directory: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``directory`` until interrupted (Ctrl-C)."""
    server = make_server(directory, host, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


__all__ = ["FileServer", "byte_range", "content_type", "etag", "make_server", "serve"]
