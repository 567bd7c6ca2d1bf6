"""Per-document results kept on disk, so that a rebuild reads only what changed.

A document's result (:class:`timeline.table.DocumentEvents`: its rows, periods,
warnings and repairs) depends on three things only, and its cache key is made of
them:

* the document's bytes (their SHA-256) and its name (event ids hash the name);
* its manifest row (published, association, title, url) and the size limit;
* the resolver's version, :func:`resolver_version`: a hash of the code and the
  rule tables of the packages that make a result (``normalizers`` and
  ``timeline``), so that changing a rule table or the code invalidates every
  entry made before.

Reviews are not part of the key: they are applied after the cache, on the
gathered table, so a review never needs a document read again.

To know a document's bytes without reading it, a second, small record per path
remembers the file's status (size, modification and change times, inode) with
the digest of its bytes, as ``git``'s index does: a file whose status is the one
recorded is not opened. A build also keeps those records of all its documents in
one entry (:meth:`DocumentCache.keys`), read at once on the next build. The change time (``ctime``) cannot be set back by a
program, so an edit is seen even when the modification time is restored.

The folder (:func:`default_folder`) can be deleted at any time: the next build
then reads every document again. Entries are written atomically (a temporary
file renamed over the entry) and carry a checksum; an entry that cannot be read,
or whose checksum is wrong, is ignored and written again, never fatal. A folder
that cannot be written makes the cache read-only for the run, nothing more.
Entries are Python pickles: the folder is as trusted as the user's own files.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import pickle
import stat
import struct
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import fields
from functools import lru_cache
from pathlib import Path

from timeline.collector import can_fork, collector_paused
from timeline.files import (  # file_digest: the one place the cache reads a document
    file_digest,
    source_digest,
)

#: Bumped when the layout of the entries changes.
FORMAT = "1"
#: The environment variable naming the cache folder.
ENVIRONMENT = "TIMELINE_CACHE_DIR"
_MAGIC = b"cn-timeline-cache\n"
_PACKAGES = ("normalizers", "timeline")
_SOURCES = (".py", ".csv", ".json", ".txt", ".tsv", ".yaml", ".toml")


def default_folder() -> Path:
    """``$TIMELINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/cn-timeline``, else ``~/.cache/cn-timeline``."""
    if os.environ.get(ENVIRONMENT):
        return Path(os.environ[ENVIRONMENT])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cn-timeline"


@lru_cache(maxsize=1)
def resolver_version() -> str:
    """A hash of every source file and rule table of the packages making a result."""
    return version_of(Path(__file__).resolve().parent.parent)


def version_of(root: Path) -> str:
    """The hash of the code and tables of :data:`_PACKAGES` under ``root``."""
    return source_digest(root, _PACKAGES, seed=FORMAT, suffixes=_SOURCES)[:24]


def _row(metadata: object) -> list[str]:
    """The manifest row's values but its path, as text (as ``astuple`` gave them, no deep copy)."""
    return [str(getattr(metadata, name)) for name in _field_names(type(metadata))]


@lru_cache(maxsize=8)
def _field_names(kind: type) -> tuple[str, ...]:
    """The names of a manifest row's fields but its path: looked up once per type, not
    once per document (``dataclasses.fields`` cost a third of :meth:`DocumentCache.keys`)."""
    return tuple(one.name for one in fields(kind)[1:])  # type: ignore[arg-type]


def _signature(status: os.stat_result) -> list[int]:
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev]


class Packed:
    """A DataFrame that pickles as Arrow IPC: ``pickle.dumps({"table": Packed(frame)})``
    stores the frame's columns as Arrow buffers, and ``pickle.loads`` gives the frame
    back, not a Packed.

    Pickling a table's text columns string by string cost 1–2 s for the 51,000 rows
    of 10,000 documents (the kept clusters, stage 2's result: each written by every
    build that changes them); as Arrow (compressed), some 0.3 s and a tenth of the bytes. The column types are kept beside
    and checked when read: a frame that would not come back exactly as it was
    (a column of another type) raises, and an entry that cannot be read is a miss.
    """

    __slots__ = ("frame",)

    def __init__(self, frame: object) -> None:
        self.frame = frame

    def __reduce__(self) -> tuple:
        import pyarrow as pa

        frame = self.frame
        types = [str(one) for one in (*frame.dtypes, frame.index.dtype)]
        return (_unpacked, (arrow_bytes(pa.Table.from_pandas(frame)), types))


def arrow_bytes(table: object) -> bytes:
    """An Arrow table as an IPC stream compressed with LZ4: what the cache keeps of a
    large table (:class:`Packed`, :mod:`timeline.kept`). The kept rows of 10,000
    documents: 9.6 MB written in 0.07 s and read in 0.04 s of CPU, where zstd made
    5.5 MB in 0.19 s and read them in 0.12–0.2 s (every +1% rebuild reads and writes
    them all), Parquet took 0.2 s and 0.2–0.6 s, and an uncompressed stream of 72 MB
    cost more to write, hash and store. Entries written with another codec read the
    same (the stream names its codec)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def arrow_table(data: bytes, threads: bool = True) -> object:
    """The Arrow table :func:`arrow_bytes` made (``threads``: decompressed by Arrow's
    threads, else by the calling one alone)."""
    import pyarrow as pa

    options = pa.ipc.IpcReadOptions(use_threads=threads)
    return pa.ipc.open_stream(data, options=options).read_all()


def _unpacked(data: bytes, types: list[str]) -> object:
    """The frame a :class:`Packed` pickled; ValueError when its types did not come back."""
    frame = arrow_table(data).to_pandas()
    if [str(one) for one in (*frame.dtypes, frame.index.dtype)] != types:
        raise ValueError("a kept frame came back with other column types")
    return frame


def _path(path: Path | str) -> Path:
    """``path`` as a Path, not parsed again when it is one (``Path(path)`` is)."""
    return path if isinstance(path, Path) else Path(path)


def _status(name: str) -> os.stat_result | None:
    try:
        return os.stat(name)
    except OSError:
        return None


_STATUS = struct.Struct("<qqqQQQ")
_ABSENT = b""


def _packed(status: os.stat_result) -> bytes:
    """A file's status as :class:`_FilesRecord` compares it: size, modification and change
    times, inode, device and mode (its type), as bytes; ``b""`` (never recorded as it is)
    for a status out of their range."""
    try:
        return _STATUS.pack(
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
            status.st_ino,
            status.st_dev,
            status.st_mode,
        )
    except struct.error:
        return _ABSENT


def _packed_status(name: str) -> bytes:
    """:func:`_packed` of the file named, ``b""`` when it cannot be asked."""
    try:
        return _packed(os.stat(name))
    except OSError:
        return _ABSENT


def _usable(status: os.stat_result | None, max_bytes: int | None) -> bool:
    """A file that can have a key: a regular, non-empty file within the size limit."""
    if status is None or not stat.S_ISREG(status.st_mode) or status.st_size == 0:
        return False
    return max_bytes is None or status.st_size <= max_bytes


class _FilesRecord:
    """The files' status, digests and keys of a build's documents (:meth:`DocumentCache.keys`),
    by columns: lists of names, digests, rows and keys, and the statuses as one string of
    bytes, so that reading it makes a few objects per file, not a dozen (a record per
    file as tuples of lists cost 0.04-0.1 s to unpickle at 10,000 documents, much of it
    the collector walking them)."""

    __slots__ = ("names", "signatures", "contents", "rows", "keys")

    def __init__(
        self,
        names: list[str],
        signatures: list[bytes],
        contents: list[str],
        rows: list,
        keys: list[str],
    ) -> None:
        self.names = names
        self.signatures = signatures
        self.contents = contents
        self.rows = rows
        self.keys = keys

    @classmethod
    def of(cls, stored: object, version: str, max_bytes: int | None) -> _FilesRecord:
        """The record kept, or an empty one (none, damaged, or another code or limit)."""
        size = _STATUS.size
        try:
            if (
                isinstance(stored, dict)
                and stored.get("version") == version
                and stored.get("max_bytes") == max_bytes
            ):
                names, contents, rows, keys = (
                    list(stored[field]) for field in ("names", "contents", "rows", "keys")
                )
                blob = stored["signatures"]
                signatures = [blob[start : start + size] for start in range(0, len(blob), size)]
                if len({len(names), len(contents), len(rows), len(keys), len(signatures)}) == 1:
                    return cls(names, signatures, contents, rows, keys)
        except (KeyError, TypeError, ValueError):
            pass
        return cls([], [], [], [], [])

    @staticmethod
    def made(
        version: str,
        max_bytes: int | None,
        names: list[str],
        signatures: list[bytes],
        contents: list,
        rows: list,
        keys: list,
        kept: list[int],
    ) -> dict:
        """What :meth:`of` reads back: the ``kept`` files' columns."""
        return {
            "version": version,
            "max_bytes": max_bytes,
            "names": [names[i] for i in kept],
            "signatures": b"".join(signatures[i] for i in kept),
            "contents": [contents[i] for i in kept],
            "rows": [rows[i] for i in kept],
            "keys": [keys[i] for i in kept],
        }


def _index_name(index: str) -> str:
    """Where the files' record of the set of documents ``index`` names is kept."""
    return hashlib.sha256(b"files-index\0" + index.encode("utf-8", "surrogateescape")).hexdigest()


#: The children writing entries (:meth:`DocumentCache.put_meanwhile`): each one's
#: process id and the id of the process that forked it (the only one that may wait).
_writers: list[tuple[int, int]] = []


#: Held while waiting for them: a thread reading ahead (:mod:`timeline.table`) and the
#: build's own thread may both read entries, and each must find them written.
_settling = threading.Lock()


def settle() -> None:
    """Wait for the entries this process's children are writing
    (:meth:`DocumentCache.put_meanwhile`); also run when the process exits."""
    me = os.getpid()
    with _settling:
        while _writers:
            child, parent = _writers.pop()
            if parent == me:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(child, 0)


atexit.register(settle)


class DocumentCache:
    """Results of documents by key, in ``folder`` (see the module's docstring)."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()
        self.version = resolver_version()
        self.hits = 0
        self.misses = 0
        self.writable = True

    # --- keys -----------------------------------------------------------------------

    def key(self, path: Path, metadata: object, max_bytes: int | None) -> str | None:
        """The key of ``path``'s result, or None when it must not be cached.

        None for anything that is not a readable regular file within the size
        limit: reading it reports the error, and errors are not cached.
        """
        return self._key(path, metadata, max_bytes, {}, {})

    def keys(
        self, tasks: Iterable[tuple[Path, object]], max_bytes: int | None, index: str | None = None
    ) -> list[str | None]:
        """:meth:`key` of every ``(path, metadata)`` of ``tasks``, in their order.

        ``index``: a name for this set of documents (the build's arguments). The
        files' status and digests are then kept in one record for all of them,
        read once, instead of a record per file (one file opened and parsed per
        document, most of an unchanged rebuild), and no record per file is read or
        written: a file not in it (new, changed, or the record lost) is read.
        The record is kept by columns (:class:`_FilesRecord`), and the files it
        holds unchanged are found by comparing whole columns, not one file's record
        at a time: a rebuild's per-file work is one ``stat`` and a few look-ups.
        """
        tasks = list(tasks)
        if not index:
            return [self._key(path, metadata, max_bytes, {}, {}) for path, metadata in tasks]
        record = _FilesRecord.of(self._read("files", _index_name(index)), self.version, max_bytes)
        names = [str(_path(path).absolute()) for path, _ in tasks]
        rows = [None if metadata is None else _row(metadata) for _, metadata in tasks]
        # bytes per file, not a status object and a tuple: nothing for the collector to walk
        now = [_packed_status(name) for name in names]
        where = dict(zip(record.names, range(len(record.names)), strict=True))
        at = [where.get(name, -1) for name in names]
        found: list[str | None] = [None] * len(tasks)
        contents: list[str | None] = [None] * len(tasks)
        made = 0  # keys not taken from the record
        for i, place in enumerate(at):
            same = place >= 0 and record.signatures[place] == now[i]
            if same and record.rows[place] == rows[i]:
                found[i], contents[i] = record.keys[place], record.contents[place]
                continue
            path = _path(tasks[i][0])
            status = _status(names[i])
            if not _usable(status, max_bytes):
                continue
            assert status is not None
            if same:  # the bytes are the record's: only the manifest row changed
                content = record.contents[place]
            else:
                content = self._content_digest(path, _signature(status), False)
                if content is None:
                    continue
            now[i] = _packed(status)  # as read now (a file changed since it was asked)
            contents[i] = content
            found[i] = self._made_key(content, path.name, rows[i], max_bytes)
            made += 1
        size = _STATUS.size
        kept = [i for i, key in enumerate(found) if key is not None and len(now[i]) == size]
        if made or len(kept) != len(record.names):  # else the record holds these very files
            self._store(
                "files",
                _index_name(index),
                _FilesRecord.made(self.version, max_bytes, names, now, contents, rows, found, kept),
            )
        return found

    def _made_key(
        self, content: str, name: str, row: list[str] | None, max_bytes: int | None
    ) -> str:
        material = json.dumps([self.version, content, name, row, max_bytes], ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _key(
        self,
        path: Path,
        metadata: object,
        max_bytes: int | None,
        known: dict[str, tuple],
        seen: dict[str, tuple],
        records: bool = True,
    ) -> str | None:
        try:
            status = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode) or status.st_size == 0:
            return None
        if max_bytes is not None and status.st_size > max_bytes:
            return None
        name = str(path.absolute())
        signature = _signature(status)
        record = known.get(name)
        row = None if metadata is None else _row(metadata)
        # Everything but the bytes the key is made of: a record that holds them too
        # holds the key (its JSON and hash made once, not on every build).
        inputs = (self.version, path.name, row, max_bytes)
        if record is not None and record[0] == signature:
            content = record[1]
            if len(record) == 4 and record[2] == inputs:
                seen[name] = record
                return record[3]
        else:
            content = self._content_digest(path, signature, records)
            if content is None:
                return None
        material = json.dumps(
            [self.version, content, path.name, row, max_bytes], ensure_ascii=False
        )
        key = hashlib.sha256(material.encode("utf-8")).hexdigest()
        seen[name] = (signature, content, inputs, key)
        return key

    def _content_digest(self, path: Path, signature: list[int], records: bool = True) -> str | None:
        """The digest of ``path``'s bytes: from its record when its status is the one
        recorded, else read (and recorded). ``records``: False when the build keeps the
        files' status in one record for all (:meth:`keys`): a record per file would
        cost a file created per document for nothing, so the file is read (and no
        record's name is made)."""
        record = None
        if records:
            name = hashlib.sha256(str(path.absolute()).encode()).hexdigest()
            record = self._entry("files", name)
            try:
                known = json.loads(record.read_text(encoding="utf-8"))
                if known["signature"] == signature:
                    return str(known["digest"])
            except (OSError, ValueError, KeyError, TypeError):
                pass  # no record, or a damaged one: read the file
        try:
            digest = file_digest(path)
        except OSError:
            return None
        if record is not None:
            self._write(record, json.dumps({"signature": signature, "digest": digest}).encode())
        return digest

    def parsed_manifests(self, index: str) -> dict:
        """What the manifests' last clean parses left for the set of documents ``index``
        names (:class:`timeline.manifest.ParsedRows`, by manifest path); {} when none, or
        kept by another version of the code."""
        found = self._read("manifests", _index_name(index))
        if isinstance(found, dict) and found.get("version") == self.version:
            parsed = found.get("parsed")
            if isinstance(parsed, dict):
                return dict(parsed)
        return {}

    def keep_parsed_manifests(self, index: str, parsed: dict) -> None:
        """Keep ``parsed`` (:meth:`parsed_manifests`) for the next build of ``index``."""
        self._store("manifests", _index_name(index), {"version": self.version, "parsed": parsed})

    # --- entries --------------------------------------------------------------------

    def get(self, key: str, found: list[bool] | None = None):
        """The result stored under ``key``, or None (absent, damaged, or of another format).

        ``found``: for a read ahead that the build may not use, the look-up is not
        counted but appended here (whether it found a result); the build counts them
        (:meth:`count`) when it takes what was read."""
        result = self._read("results", key)
        if found is None:
            self.count([result is not None])
        else:
            found.append(result is not None)
        return result

    def count(self, found: Iterable[bool]) -> None:
        """Count look-ups made uncounted (:meth:`get`'s ``found``): each a hit when True,
        else a miss."""
        for one in found:
            if one:
                self.hits += 1
            else:
                self.misses += 1

    def _read(self, kind: str, key: str):
        settle()
        try:
            data = self._entry(kind, key).read_bytes()
        except OSError:
            return None
        checksum, payload = data[len(_MAGIC) : len(_MAGIC) + 32], data[len(_MAGIC) + 32 :]
        if not data.startswith(_MAGIC) or hashlib.sha256(payload).digest() != checksum:
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # a damaged or foreign entry is only a miss
            return None

    def put(self, key: str, result: object) -> None:
        """Store ``result`` under ``key``; a failure to write only loses the entry."""
        self._store("results", key, result)

    def put_meanwhile(self, entries: list[tuple[str, object]]) -> None:
        """:meth:`put` each ``(key, result)`` of ``entries`` in turn, in a forked child
        while this process goes on, when it may fork (:func:`timeline.collector.can_fork`);
        else here, now.

        The child pickles, checksums and writes what it inherited, on a core of its
        own: a build's last entries (stage 2's result, some 8 MB and 0.1 s at 10,000
        documents) are stored while the site is made. Every read or write of an entry
        by this process, in any cache folder, waits for the children first
        (:func:`settle`), and so does the process's exit: nothing is ever read
        before it is stored. The child leaves by ``os._exit`` (no clean-up of this
        process runs there); a child that fails only loses its entries, as a failed
        write does.
        """
        if not self.writable or not can_fork():
            for key, result in entries:
                self.put(key, result)
            return
        with collector_paused():  # the child's collector would copy the pages it walks
            child = os.fork()
            if child == 0:  # the child: store, then leave
                status = 1
                try:
                    for key, result in entries:
                        self.put(key, result)
                    status = 0
                finally:
                    os._exit(status)
        _writers.append((child, os.getpid()))

    def _store(self, kind: str, key: str, value: object) -> None:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._write(self._entry(kind, key), _MAGIC + hashlib.sha256(payload).digest() + payload)

    def _entry(self, kind: str, key: str) -> Path:
        return self.folder / f"v{FORMAT}" / kind / key[:2] / key

    def _write(self, path: Path, data: bytes) -> None:
        """Write atomically: a temporary file in the same folder, renamed over ``path``."""
        if not self.writable:
            return
        settle()  # an entry a child is writing is written before this one
        temporary = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.rename(temporary, path)  # atomic on POSIX; the cache is not a published file
        except OSError:
            self.writable = False  # a full or read-only disk: go on without writing
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
