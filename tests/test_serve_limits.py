"""Issue 12: `serve` as a small real server: timeouts, bounded threads, streaming, ranges, ports."""

from __future__ import annotations

import http.client
import os
import resource
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exports.serve import make_server
from timeline.cli import app

runner = CliRunner()
BIG = 8 * 2**20


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "feeds").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>时间线</title>", encoding="utf-8")
    (root / "feeds" / "all.ics").write_bytes(bytes(range(256)) * 40)
    (root / "big.csv").write_bytes(os.urandom(BIG))
    return root


def _start(site: Path, **settings):
    server = make_server(site, "127.0.0.1", 0, quiet=True, **settings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def served(site: Path) -> Iterator[tuple[object, int]]:
    server, thread = _start(site, header_timeout=120, idle_timeout=120)
    try:
        yield server, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_a_thousand_idle_connections_cost_no_thread_and_others_are_served(
    served, site: Path
) -> None:
    server, port = served
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2600:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    assert _get(port, "/")[0] == 200
    threads, rss = threading.active_count(), _rss_kib()
    idle = []
    try:
        for _ in range(1000):
            client = socket.create_connection(("127.0.0.1", port), timeout=10)
            idle.append(client)
        idle[0].sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # half a head, then nothing
        deadline = time.monotonic() + 20
        while server.connections < 1000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.connections >= 1000
        for _ in range(20):  # other clients meanwhile
            status, _, body = _get(port, "/feeds/all.ics")
            assert status == 200 and body == (site / "feeds" / "all.ics").read_bytes()
        grown_threads = threading.active_count() - threads
        grown_rss = _rss_kib() - rss
        print(f"1000 idle connections: +{grown_threads} threads, +{grown_rss / 1024:.1f} MiB RSS")
        assert grown_threads <= 4  # the worker pool, never a thread per connection
        assert grown_rss < 100 * 1024  # client and server sockets together, in this process
    finally:
        for client in idle:
            client.close()


def test_an_idle_or_slow_header_connection_is_closed_after_its_timeout(site: Path) -> None:
    server, thread = _start(site, header_timeout=0.5, idle_timeout=0.5)
    try:
        port = server.server_address[1]
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        slow.sendall(b"GET / HTTP/1.1\r\n")  # a slowloris: the head never ends
        started = time.monotonic()
        assert slow.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 5
        slow.close()
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        kept.request("GET", "/")
        assert kept.getresponse().read()
        time.sleep(1.2)  # idle keep-alive beyond its timeout
        assert kept.sock is None or kept.sock.recv(1) == b""
        kept.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_large_files_are_streamed_whole_and_ranges_answered(served, site: Path) -> None:
    _, port = served
    data = (site / "big.csv").read_bytes()
    status, headers, body = _get(port, "/big.csv")
    assert status == 200 and body == data and headers["Accept-Ranges"] == "bytes"
    status, headers, body = _get(port, "/big.csv", Range="bytes=100-199")
    assert status == 206 and body == data[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{BIG}"
    status, headers, body = _get(port, "/big.csv", Range="bytes=-10")
    assert status == 206 and body == data[-10:]
    status, headers, _ = _get(port, "/big.csv", Range=f"bytes={BIG}-")
    assert status == 416 and headers["Content-Range"] == f"bytes */{BIG}"
    status, _, body = _get(port, "/big.csv", Range="bytes=0-0", **{"If-Range": '"stale"'})
    assert status == 200 and len(body) == BIG  # If-Range that does not match: the whole file


def test_a_slow_reader_does_not_make_the_server_buffer_the_file(served) -> None:
    server, port = served
    rss = _rss_kib()
    readers = []
    try:
        for _ in range(30):
            client = socket.create_connection(("127.0.0.1", port), timeout=10)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.sendall(b"GET /big.csv HTTP/1.1\r\nHost: x\r\n\r\n")
            client.recv(1024)  # the head and a little, then the reader stalls
            readers.append(client)
        time.sleep(1)
        grown = (_rss_kib() - rss) / 1024
        print(f"30 stalled readers of an 8 MiB file: +{grown:.1f} MiB RSS")
        assert grown < 30 * BIG / 2**20 / 4  # far from 30 whole copies (240 MiB)
    finally:
        for client in readers:
            client.close()


def test_a_busy_port_is_one_line_and_exit_2(site: Path) -> None:
    holder = socket.create_server(("127.0.0.1", 0))
    try:
        port = holder.getsockname()[1]
        result = runner.invoke(app, ["serve", str(site), "--port", str(port)])
        assert result.exit_code == 2
        assert result.stderr.strip().count("\n") == 0
        assert f"port {port} is already in use" in result.stderr
    finally:
        holder.close()


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_an_invalid_port_is_one_line_and_exit_2(site: Path, port: str) -> None:
    result = runner.invoke(app, ["serve", str(site), "--port", port])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "is not a port" in result.stderr
