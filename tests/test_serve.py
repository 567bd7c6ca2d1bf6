"""The output folder over HTTP, fetched by real clients (urllib, http.client)."""

from __future__ import annotations

import http.client
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pandas as pd
import pytest

from exports.ics import build_feeds
from exports.serve import make_server

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def row(event_id: str, day: date, title: str) -> dict:
    return {
        "event_id": event_id,
        "association": "汕头市纺织服装产业协会",
        "start": day,
        "end": day,
        "granularity": "day",
        "title": title,
        "description": f"{day.month}月{day.day}日，{title}。",
        "date_text": f"{day.month}月{day.day}日",
        "doc": "a.txt",
        "doc_title": "协会新闻",
        "published": date(2024, 3, 2),
        "source_url": "",
        "span_start": 0,
        "span_end": 5,
        "anchor": "dct",
        "organisations": "",
        "status": "",
    }


def table(title: str = "闰日座谈会") -> pd.DataFrame:
    return pd.DataFrame([row("ev-leap", date(2024, 2, 29), title)])


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    build_feeds(table(), root, now=NOW)
    (root / "index.html").write_text("<!doctype html><title>时间线</title>", encoding="utf-8")
    (root / "notes").mkdir()
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    (root / "feeds" / "leak.ics").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
def base(site: Path) -> Iterator[str]:
    server = make_server(site, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def get(url: str, **headers: str):
    """(status, headers, body) of a GET with urllib, HTTP errors included."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def raw(base: str, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """A request whose path is sent exactly as written (urllib would not normalise it either)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_server_listens_on_loopback_only(site: Path) -> None:
    server = make_server(site, port=0, quiet=True)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_feed_is_served_as_utf8_calendar_with_validators(base: str, site: Path) -> None:
    status, headers, body = get(f"{base}/feeds/all.ics")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert body == (site / "feeds/all.ics").read_bytes()
    assert int(headers["Content-Length"]) == len(body)
    assert headers["ETag"].startswith('"') and not headers["ETag"].startswith("W/")
    modified = parsedate_to_datetime(headers["Last-Modified"])
    assert int(modified.timestamp()) == int((site / "feeds/all.ics").stat().st_mtime)


def test_index_is_served_as_utf8_html(base: str) -> None:
    status, headers, body = get(f"{base}/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "时间线" in body.decode("utf-8")


def test_if_none_match_gets_304_without_a_body(base: str) -> None:
    _, headers, _ = get(f"{base}/feeds/all.ics")
    tag = headers["ETag"]
    status, again, body = get(f"{base}/feeds/all.ics", **{"If-None-Match": tag})
    assert (status, body) == (304, b"")
    assert again["ETag"] == tag
    assert get(f"{base}/feeds/all.ics", **{"If-None-Match": f"W/{tag}"})[0] == 304
    assert get(f"{base}/feeds/all.ics", **{"If-None-Match": f'"other", {tag}'})[0] == 304
    assert get(f"{base}/feeds/all.ics", **{"If-None-Match": '"other"'})[0] == 200


def test_if_modified_since_gets_304_until_the_file_changes(base: str) -> None:
    _, headers, _ = get(f"{base}/feeds/all.ics")
    last = headers["Last-Modified"]
    assert get(f"{base}/feeds/all.ics", **{"If-Modified-Since": last})[0] == 304
    long_ago = formatdate(0, usegmt=True)
    assert get(f"{base}/feeds/all.ics", **{"If-Modified-Since": long_ago})[0] == 200
    assert get(f"{base}/feeds/all.ics", **{"If-Modified-Since": "not a date"})[0] == 200


def test_an_unchanged_rebuild_keeps_the_etag_and_a_change_moves_it(base: str, site: Path) -> None:
    _, first, _ = get(f"{base}/feeds/all.ics")
    build_feeds(table(), site, now=NOW)
    _, same, _ = get(f"{base}/feeds/all.ics")
    assert (same["ETag"], same["Last-Modified"]) == (first["ETag"], first["Last-Modified"])
    build_feeds(table("闰日座谈会（改期）"), site, now=NOW)
    status, changed, body = get(f"{base}/feeds/all.ics", **{"If-None-Match": first["ETag"]})
    assert status == 200
    assert changed["ETag"] != first["ETag"]
    assert "改期" in body.decode("utf-8")


def test_head_sends_headers_only(base: str) -> None:
    status, headers, body = raw(base, "/feeds/all.ics", method="HEAD")
    assert status == 200 and body == b""
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert int(headers["Content-Length"]) > 0


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/feeds/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/feeds/%2E%2E/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/feeds/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/feeds/leak.ics",  # a link that leads out of the folder
        "/%00",
        "/feeds/all.ics%00.html",
        "/%ff",
    ],
)
def test_paths_outside_the_folder_are_404(base: str, path: str) -> None:
    status, _, body = raw(base, path)
    assert status == 404
    assert b"outside" not in body


def test_hidden_files_are_not_served(base: str) -> None:
    assert raw(base, "/feeds/.state.json")[0] == 404


def test_folders_are_never_listed(base: str) -> None:
    assert raw(base, "/feeds/")[0] == 404
    assert raw(base, "/notes/")[0] == 404
    status, headers, _ = raw(base, "/feeds")
    assert status == 301 and headers["Location"] == "/feeds/"


def test_missing_files_are_404(base: str) -> None:
    assert get(f"{base}/feeds/nothing.ics")[0] == 404


def test_writes_are_refused(base: str) -> None:
    status, headers, _ = raw(base, "/feeds/all.ics", method="DELETE")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
