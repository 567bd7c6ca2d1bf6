"""Idle and slow clients against `timeline serve` and against http.server, in the same run.

Each server runs in its own child process serving the same folder (an 8 MiB
file and a small feed). Against each, the script opens N idle connections
(nothing sent) and S stalled readers (a GET of the 8 MiB file, then nothing
read), checks that another client is still served, and reads the server
process's threads and resident memory from /proc. The peer is the standard
library's ``http.server.ThreadingHTTPServer`` with ``SimpleHTTPRequestHandler``
(what ``exports.serve`` was built on before).

    python benchmarks/serve_clients.py [--idle 1000] [--stalled 30]
"""

from __future__ import annotations

import argparse
import http.client
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVERS = {
    "http.server": (
        "import functools, http.server, sys\n"
        "handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
        "http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None\n"
        "server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)\n"
        "print(server.server_address[1], flush=True)\n"
        "server.serve_forever()\n"
    ),
    "timeline serve": (
        "import sys\n"
        "from exports.serve import make_server\n"
        "server = make_server(sys.argv[1], port=0, quiet=True)\n"
        "print(server.server_address[1], flush=True)\n"
        "server.serve_forever()\n"
    ),
}


def status_of(pid: int) -> tuple[int, float]:
    """(threads, RSS in MiB) of a process, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024


def measure(name: str, folder: Path, idle: int, stalled: int) -> dict:
    child = subprocess.Popen(
        [sys.executable, "-c", SERVERS[name], str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    port = int(child.stdout.readline())
    clients: list[socket.socket] = []
    try:
        _get(port, "/feed.ics")
        threads0, rss0 = status_of(child.pid)
        for _ in range(idle):
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        for _ in range(stalled):
            reader = socket.create_connection(("127.0.0.1", port), timeout=10)
            reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            reader.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(reader)
        time.sleep(2)
        started = time.monotonic()
        served = _get(port, "/feed.ics")
        latency = time.monotonic() - started
        threads, rss = status_of(child.pid)
        return {
            "server": name,
            "threads before": threads0,
            "threads": threads,
            "RSS before MiB": rss0,
            "RSS MiB": rss,
            "other client": f"{served} in {latency * 1000:.0f} ms",
        }
    finally:
        for client in clients:
            client.close()
        child.kill()
        child.wait()


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError as error:
        return f"failed ({error})"  # type: ignore[return-value]
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--stalled", type=int, default=30)
    options = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * options.idle)), hard))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "big.bin").write_bytes(os.urandom(8 * 2**20))
        (folder / "feed.ics").write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        rows = [measure(name, folder, options.idle, options.stalled) for name in SERVERS]
    print(f"{options.idle} idle connections and {options.stalled} stalled readers of 8 MiB")
    columns = list(rows[0])
    print(" | ".join(columns))
    for row in rows:
        print(
            " | ".join(
                f"{row[c]:.1f}" if isinstance(row[c], float) else str(row[c]) for c in columns
            )
        )
    peer, ours = rows
    print(
        f"threads: {peer['threads'] / ours['threads']:.0f}x fewer;"
        f" RSS: {peer['RSS MiB'] / ours['RSS MiB']:.1f}x less than {peer['server']}"
    )


if __name__ == "__main__":
    main()
