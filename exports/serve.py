"""Serve an output folder over HTTP so calendar apps can subscribe to its feeds.

A small read-only file server on the standard library: the folder as it is, with
the right types (``text/calendar; charset=utf-8`` for ``.ics``), a strong ``ETag``
(a hash of the bytes) and ``Last-Modified``, so a subscribed calendar that asks
again with ``If-None-Match`` gets ``304 Not Modified`` until a rebuild really
changes the feed. Outputs are replaced atomically (:mod:`timeline.files`), so a
request during a rebuild reads the old file or the new one, never half of one.

Nothing outside the folder is served (``../``, encoded or not, and links that lead
out get 404), nor hidden files (``feeds/.state.json``), nor directory listings:
a folder is served as its ``index.html`` or not at all.

    $ timeline serve site
    Serving site at http://127.0.0.1:8000/ (feeds under /feeds/)
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import sys
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class OutputHandler(BaseHTTPRequestHandler):
    """GET and HEAD for the files of one folder; everything else is refused."""

    server_version = "cn-timeline"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def __init__(self, *args, directory: Path, quiet: bool = False, **kwargs):
        self.root = directory
        self.quiet = quiet
        super().__init__(*args, **kwargs)

    # --- routing -------------------------------------------------------------------

    def _target(self) -> tuple[Path | None, str | None]:
        """(file to serve, None), (None, redirect location) or (None, None) for 404."""
        raw = urlsplit(self.path).path
        text = unquote(raw, errors="strict") if "%" in raw else raw
        if "\x00" in text or "\\" in text or not text.startswith("/"):
            return None, None
        parts = [part for part in text.split("/") if part]
        if any(part in (".", "..") or part.startswith(".") for part in parts):
            return None, None  # escapes and hidden files (.state.json, .x.tmp)
        candidate = self.root.joinpath(*parts)
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None, None
        if resolved != self.root and not resolved.is_relative_to(self.root):
            return None, None  # a link that leads out of the folder
        if resolved.is_dir():
            if not text.endswith("/"):
                return None, quote("/" + "/".join(parts) + "/")  # never //host/
            index = resolved / INDEX
            return (index, None) if index.is_file() else (None, None)
        return (resolved, None) if resolved.is_file() else (None, None)

    def _respond(self, head_only: bool) -> None:
        try:
            target, location = self._target()
        except UnicodeDecodeError:
            target, location = None, None
        if location is not None:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if target is None:
            self._error(HTTPStatus.NOT_FOUND, "Not found", head_only)
            return
        try:
            with open(target, "rb") as handle:
                modified = os.fstat(handle.fileno()).st_mtime
                payload = handle.read()
        except OSError:
            self._error(HTTPStatus.NOT_FOUND, "Not found", head_only)
            return
        tag = etag(payload)
        last_modified = formatdate(int(modified), usegmt=True)
        if_none_match = self.headers.get("If-None-Match")
        if_modified_since = self.headers.get("If-Modified-Since")
        if (if_none_match is not None and _etag_matches(if_none_match, tag)) or (
            if_none_match is None
            and if_modified_since is not None
            and _not_modified_since(if_modified_since, modified)
        ):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._validators(tag, last_modified)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(target))
        self.send_header("Content-Length", str(len(payload)))
        self._validators(tag, last_modified)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head_only:
            self.wfile.write(payload)

    def _validators(self, tag: str, last_modified: str) -> None:
        self.send_header("ETag", tag)
        self.send_header("Last-Modified", last_modified)
        self.send_header("Cache-Control", "no-cache")  # reuse, but ask again each time

    def _error(self, status: HTTPStatus, message: str, head_only: bool) -> None:
        body = f"{status.value} {message}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    # --- methods ---------------------------------------------------------------------

    def do_GET(self) -> None:
        self._respond(head_only=False)

    def do_HEAD(self) -> None:
        self._respond(head_only=True)

    def _refuse(self) -> None:
        body = b"405 Method Not Allowed\n"
        self.close_connection = True  # the request body, if any, is never read
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(
    directory: str | Path, host: str = "127.0.0.1", port: int = 8000, *, quiet: bool = False
) -> ThreadingHTTPServer:
    """A server for ``directory`` (not yet started); port 0 picks a free port.

    >>> server = make_server("site", port=0)
    >>> threading.Thread(target=server.serve_forever, daemon=True).start()
    """
    root = Path(directory).resolve(strict=True)
    if not root.is_dir():
        raise NotADirectoryError(f"{directory}: not a folder")
    server = ThreadingHTTPServer((host, port), partial(OutputHandler, directory=root, quiet=quiet))
    server.daemon_threads = True
    return server


def serve(directory: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``directory`` until interrupted (Ctrl-C)."""
    server = make_server(directory, host, port)
    bound_host, bound_port = server.server_address[:2]
    print(
        f"Serving {directory} at http://{bound_host}:{bound_port}/ (feeds under /feeds/)",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


__all__ = ["content_type", "etag", "make_server", "serve"]
