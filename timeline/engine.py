"""The engine: documents processed a partition at a time, on Dask.

Building the event table has two stages:

1. **Per document** (this module): every document is read and resolved on its
   own (:func:`timeline.table.document_events`), so the documents can be cut
   into partitions and the partitions processed anywhere: in this process
   (serial), on Dask's local process scheduler over the build's pool of
   processes (every core by default: :class:`Workers`), or on a
   ``dask.distributed`` cluster (``--scheduler ADDRESS`` or
   ``$TIMELINE_SCHEDULER``), where the workers read the documents by their
   paths: a filesystem the workers share with this machine.
2. **Across documents** (:func:`timeline.table.build_events`): what needs every
   document at once. The merging of one happening told by several rows runs on
   the same workers, cut into clusters that cannot merge with each other
   (:mod:`timeline.gather`, :func:`map_parts`); an event id seen twice, reviews
   and the table's order run on the merged rows, in this process.

Results are gathered in the documents' order whatever finished first, so a
parallel or distributed run gives the very bytes a serial run gives. With a
:class:`timeline.cache.DocumentCache`, documents whose result is cached are not
read at all; only the others are sent to the workers, and their results are
stored as their partitions come back.

Local workers cost about a second to start (Dask imported, the resolver warmed
up once, the pool forked), the time of some 40 to 150 documents: below
:data:`SERIAL_BELOW` documents, or :data:`SERIAL_BELOW_BYTES` of documents, to
process, they are processed here, serially (the second whatever number of
workers was asked for), or, from :data:`FORKED_FROM` of them on, sent at once to
the build's forked pool without Dask (a rebuild that adds a few documents reads
them there while it reads the last build's rows).
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import math
import os
import pickle
from collections.abc import Callable, Container, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from timeline.arrow_pool import use_build_pool
from timeline.cache import DocumentCache
from timeline.collector import can_fork as _can_fork

if TYPE_CHECKING:
    from timeline.manifest import DocumentMetadata

#: Fewer documents to process than this are processed serially unless a number of
#: workers or a scheduler is asked for: starting the processes would cost more.
SERIAL_BELOW = 48
#: Documents to process of fewer bytes than this in all are processed serially, on
#: this machine, whatever number of workers was asked for (not on a cluster): about
#: 0.6 s of work at ~0.7 s of CPU per MB of ordinary documents, no more than Dask's
#: import (0.2 s), the pool's start and its round trips cost before a worker helps.
#: A rebuild that adds 1% of 10,000 documents (100, 0.85 MB) sends them to the
#: build's forked pool without Dask (:data:`FORKED_FROM`).
SERIAL_BELOW_BYTES = 2**20
#: Documents under :data:`SERIAL_BELOW_BYTES` are sent to the build's forked workers
#: (no Dask) from this many on, when workers may be forked (:func:`_forked_now`).
FORKED_FROM = 16
#: Documents per partition at most: small enough for progress and memory, large
#: enough that scheduling costs nothing next to reading (~25 ms a document).
PARTITION_MAX = 50

#: Partitions per worker in one wave (one Dask graph) of the local scheduler.
WAVE_PER_WORKER = 8
#: Waves computed at once: the next wave's partitions are queued while a wave's
#: slowest partition runs, so no worker waits for a wave to end.
WAVES_AT_ONCE = 2
#: Partitions per worker submitted to the pool at a time within a wave: the one it
#: runs and the next, queued, so that a worker starts its next partition at once
#: instead of waiting for this process to take its result and send another.
PARTITIONS_IN_FLIGHT = 2
#: The last documents go in smaller partitions, so that the workers finish together:
#: a partition holds at most its share of what is left, the documents left over
#: :data:`TAPER` partitions per worker, and no fewer than :data:`PARTITION_MIN` documents.
TAPER = 4
PARTITION_MIN = 4

#: Parts in flight per worker in :func:`map_parts`: each worker has the next part
#: waiting when it finishes one, and no more than these are held.
IN_FLIGHT_PER_WORKER = 3

Task = tuple[Path, "DocumentMetadata | None"]
#: The per-document work: ``work(path, metadata, max_bytes)`` -> its result (a
#: dataclass with a ``path`` and an ``error``; :func:`timeline.table.document_events`).
#: A module-level function, so that worker processes and a cluster can be sent it.
Work = Callable[[Path, "DocumentMetadata | None", int | None], Any]


@dataclass(frozen=True)
class Engine:
    """Where documents are processed.

    ``scheduler``: a ``dask.distributed`` scheduler's address (``tcp://host:8786``);
    None runs on this machine. ``workers``: local processes (None: every core,
    serial for fewer than :data:`SERIAL_BELOW` documents; 0: serial, in this
    process; either way, and for a number of workers, serial for fewer than
    :data:`SERIAL_BELOW_BYTES` of documents). ``cache``: per-document results
    kept between runs (None: none).
    """

    scheduler: str | None = None
    workers: int | None = None
    cache: DocumentCache | None = None
    partition_size: int | None = None

    def mode(self, documents: int, size: int | None = None) -> str:
        """``serial``, ``processes`` or ``distributed`` for this many documents to process,
        of ``size`` bytes in all when known (:func:`work_size`)."""
        if self.scheduler:
            return "distributed"
        if self.workers == 0 or (self.workers is None and documents < SERIAL_BELOW):
            return "serial"
        if size is not None and size < SERIAL_BELOW_BYTES:
            return "serial"
        return "processes"

    def local_workers(self) -> int:
        return self.workers or os.cpu_count() or 1


def each_partition(
    work: Work,
    tasks: list[Task],
    max_bytes: int | None,
    engine: Engine | None = None,
    progress: Callable[[Path], None] | None = None,
    keys: list[str | None] | None = None,
    workers: Workers | None = None,
    kept_whole: Container[int] = (),
) -> Iterator[tuple[list[int], list[Any]]]:
    """``(indices, results)`` of ``tasks``, a partition at a time, in no fixed order.

    Cached results come first, :data:`PARTITION_MAX` documents at a time, then
    the partitions the engine processes, as they finish; every document's index
    in ``tasks`` comes exactly once. The caller keeps what it needs of each
    partition and lets the rest go, so no more than a partition (a wave, with
    local processes) of results is held here. ``kept_whole``: the indices whose
    results the caller keeps for the next build in one piece (:mod:`timeline.kept`):
    those are not stored one entry each (a file written per document, in this
    process, was most of what the cache cost a first build).

    A few documents (:func:`_forked_now`: under :data:`SERIAL_BELOW_BYTES`, at least
    :data:`FORKED_FROM`, ``workers`` given) are looked up and sent to the build's
    forked workers *now*, before the first partition is asked for: the caller does
    its own work (the last build's rows read) while they are processed.
    """
    engine = engine or Engine()
    if keys is None:
        keys = [None] * len(tasks)
        if engine.cache is not None:
            keys = engine.cache.keys(tasks, max_bytes)
    results = _Results(engine, tasks, progress, keys, kept_whole)
    if _forked_now(engine, tasks, workers):
        assert workers is not None
        return _forked(work, results, max_bytes, workers)
    return _each_partition(work, results, max_bytes, workers)


@dataclass(frozen=True)
class _Results:
    """The documents' results of one :func:`each_partition`: taken from the cache, and
    stored there as they are processed (but the caller's ``kept_whole`` and errors),
    each document told to ``progress``."""

    engine: Engine
    tasks: list[Task]
    progress: Callable[[Path], None] | None
    keys: list[str | None]
    kept_whole: Container[int]

    def cached(self) -> Iterator[tuple[int, Any]]:
        """``(index, result)`` of every task whose result is cached; ``(index, None)`` of
        the others."""
        cache = self.engine.cache
        for index, (path, _) in enumerate(self.tasks):
            cached = cache.get(self.keys[index]) if cache is not None and self.keys[index] else None
            if cached is None:
                yield index, None
                continue
            if self.progress is not None:
                self.progress(path)
            yield index, replace(cached, path=path)

    def came(self, indices: list[int], outcomes: list[Any]) -> None:
        """A processed partition's results stored, its documents told to ``progress``."""
        cache = self.engine.cache
        for index, outcome in zip(indices, outcomes, strict=True):
            stored = cache is not None and self.keys[index] and outcome.error is None
            if stored and index not in self.kept_whole:
                cache.put(self.keys[index], outcome)
            if self.progress is not None:
                self.progress(self.tasks[index][0])


def _each_partition(
    work: Work, results: _Results, max_bytes: int | None, workers: Workers | None
) -> Iterator[tuple[list[int], list[Any]]]:
    """:func:`each_partition` the usual way: the cache read as the partitions are asked
    for, then the others processed (:func:`_run`)."""
    missing: list[int] = []
    batch: tuple[list[int], list[Any]] = ([], [])
    for index, cached in results.cached():
        if cached is None:
            missing.append(index)
            continue
        batch[0].append(index)
        batch[1].append(cached)
        if len(batch[0]) >= PARTITION_MAX:
            yield batch
            batch = ([], [])
    if batch[0]:
        yield batch
    chosen = [results.tasks[i] for i in missing]
    for indices, outcomes in _run(work, results.engine, chosen, missing, max_bytes, workers):
        results.came(indices, outcomes)
        yield indices, outcomes


def _forked_now(engine: Engine, tasks: list[Task], workers: Workers | None) -> bool:
    """Whether ``tasks`` are a few documents for the build's forked workers, sent at once.

    Documents of fewer bytes than :data:`SERIAL_BELOW_BYTES` in all cost less to
    process than Dask's import and waves; but a pool forked from this process (no
    Dask, no warm-up: each worker warms on its first document) starts in a few
    milliseconds, and two workers read the 100 documents of a +1% rebuild at
    10,000 in half the time, while this process reads the last build's rows. Not
    on a cluster, not for one worker, not below :data:`FORKED_FROM` documents, and
    not from a process holding other threads (no fork then: a fork server would
    cost more than it saves).
    """
    if workers is None or len(tasks) < FORKED_FROM or engine.mode(len(tasks)) != "processes":
        return False
    if engine.local_workers() < 2 or not _can_fork():
        return False
    return work_size(tasks) < SERIAL_BELOW_BYTES


def _forked(
    work: Work, results: _Results, max_bytes: int | None, workers: Workers
) -> Iterator[tuple[list[int], list[Any]]]:
    """:func:`each_partition` of a few documents: the cache read and the others submitted
    to the build's pool now; the returned iterator gives the cached results, then each
    partition's in the order they were sent."""
    found = list(results.cached())
    missing = [index for index, cached in found if cached is None]
    cached = [(index, result) for index, result in found if result is not None]
    del found
    tasks, engine = results.tasks, results.engine
    if len(missing) < FORKED_FROM:  # most were cached: the rest read here
        outcomes = process_partition(work, [tasks[i] for i in missing], max_bytes)
        return _forked_results(results, cached, [], missing, outcomes)
    pool = workers.pool(work)
    sent = []
    for part in _partitions(len(missing), engine.local_workers(), engine.partition_size):
        indices = [missing[i] for i in part]
        packed = _dumps([tasks[i] for i in indices])
        sent.append((indices, pool.submit(process_packed, work, packed, max_bytes)))
    return _forked_results(results, cached, sent)


def _forked_results(
    results: _Results,
    cached: list[tuple[int, Any]],
    sent: list[tuple[list[int], Any]],
    here: list[int] | None = None,
    outcomes: list[Any] | None = None,
) -> Iterator[tuple[list[int], list[Any]]]:
    """The results :func:`_forked` started: the cached, those read ``here`` (``outcomes``),
    then each partition sent, in the order sent."""
    try:
        for first in range(0, len(cached), PARTITION_MAX):
            batch = cached[first : first + PARTITION_MAX]
            yield [index for index, _ in batch], [result for _, result in batch]
        if here and outcomes is not None:
            results.came(here, outcomes)
            yield here, outcomes
        for indices, future in sent:
            done = future.result()
            results.came(indices, done)
            yield indices, done
    finally:
        for _, future in sent:  # an interrupted build sends nothing more
            future.cancel()


def work_size(tasks: list[Task]) -> int:
    """The bytes of the documents of ``tasks``, counted until they reach
    :data:`SERIAL_BELOW_BYTES` (a large build asks no more files than it needs to know
    it is large); a path that cannot be asked counts nothing (reading it reports the error).
    """
    enough = SERIAL_BELOW_BYTES
    size = 0
    for path, _ in tasks:
        try:
            size += os.stat(path).st_size
        except OSError:
            continue
        if size >= enough:
            break
    return size


def process_partition(work: Work, tasks: list[Task], max_bytes: int | None) -> list[Any]:
    """One partition's documents, processed where this runs (a worker)."""
    return [work(path, metadata, max_bytes) for path, metadata in tasks]


def process_packed(work: Work, packed: bytes, max_bytes: int | None) -> list[Any]:
    """:func:`process_partition` of a partition's tasks sent pickled (see :func:`_run_processes`)."""
    return process_partition(work, pickle.loads(packed), max_bytes)


def _partitions(count: int, workers: int, size: int | None) -> list[range]:
    """Ranges of the documents: ``size`` each when given, else at most :data:`PARTITION_MAX`,
    about eight per worker, and smaller toward the end (:data:`TAPER`).

    >>> sizes = [len(part) for part in _partitions(1000, 2, None)]
    >>> len(sizes), sizes[:2], sizes[-12:]
    (38, [50, 50], [8, 7, 6, 5, 4, 4, 4, 4, 4, 4, 4, 4])
    """
    if count == 0:
        return []
    if size:
        return [range(start, min(start + size, count)) for start in range(0, count, size)]
    largest = max(1, min(PARTITION_MAX, math.ceil(count / (workers * 8))))
    parts: list[range] = []
    start = 0
    while start < count:
        share = math.ceil((count - start) / (workers * TAPER))
        step = max(min(largest, PARTITION_MIN), min(largest, share))
        parts.append(range(start, min(start + step, count)))
        start += step
    return parts


def _run(
    work: Work,
    engine: Engine,
    tasks: list[Task],
    indices: list[int],
    max_bytes: int | None,
    workers: Workers | None = None,
) -> Iterator[tuple[list[int], list[Any]]]:
    """``(indices, results)`` per partition, as partitions finish."""
    if not tasks:  # everything came from the cache: start no worker, reach no cluster
        return
    mode = engine.mode(len(tasks))
    if mode == "processes":
        mode = engine.mode(len(tasks), work_size(tasks))
    if mode == "serial":
        for part in _partitions(len(tasks), 1, engine.partition_size or PARTITION_MAX):
            chosen = [tasks[i] for i in part]
            yield [indices[i] for i in part], process_partition(work, chosen, max_bytes)
        return
    if mode == "distributed":
        yield from _run_distributed(work, engine, tasks, indices, max_bytes)
        return
    with contextlib.ExitStack() as stack:
        if workers is None:  # a pool for this call only
            workers = stack.enter_context(Workers(engine))
        yield from _run_processes(work, engine, tasks, indices, max_bytes, workers)


def _run_processes(
    work: Work,
    engine: Engine,
    tasks: list[Task],
    indices: list[int],
    max_bytes: int | None,
    workers: Workers,
) -> Iterator[tuple[list[int], list[Any]]]:
    """Dask's local process scheduler on the build's pool, two waves of partitions at once.

    A wave is one Dask graph of :data:`WAVE_PER_WORKER` partitions per worker,
    computed by ``dask.multiprocessing.get`` on the build's pool with
    :data:`PARTITIONS_IN_FLIGHT` partitions per worker submitted at a time, so that
    a worker takes its next partition from the pool's queue rather than waiting
    for this process to take its last result and send another. :data:`WAVES_AT_ONCE`
    waves are computed together, each from its own thread: while one wave's slowest
    partition runs, the next wave's are already queued, so no worker waits for a
    wave to end; a wave's results are taken (cached, their rows put away) while the
    next runs, and no more than those waves' results are held. The last
    partitions are small (:func:`_partitions`), so the workers finish together.
    """
    import dask
    import dask.multiprocessing

    parts = _partitions(len(tasks), engine.local_workers(), engine.partition_size)
    size = engine.local_workers() * WAVE_PER_WORKER
    waves = iter([parts[first : first + size] for first in range(0, len(parts), size)])
    pool = workers.pool(work, warm=True)  # forked now, before this call starts its threads

    def compute(wave: list[range]) -> tuple[Any, ...]:
        delayed = [
            # The partition's tasks as bytes: dask walks a call's arguments looking for
            # collections, into every path and every manifest row (a dataclass), which
            # cost this process about 2 s for 10,000 documents; bytes it does not enter.
            dask.delayed(process_packed, pure=False)(
                work, _dumps([tasks[i] for i in part]), max_bytes
            )
            for part in wave
        ]
        return dask.compute(
            *delayed,
            # The scheduler itself, not its name: a name makes dask import
            # ``distributed`` (0.4 s) to see whether a client is running.
            scheduler=dask.multiprocessing.get,
            pool=pool,
            num_workers=engine.local_workers() * PARTITIONS_IN_FLIGHT,
            # One partition per message: dask's default sends six at a time.
            chunksize=1,
            # Partitions and results are plain data and module-level functions:
            # the C pickler, not cloudpickle's per-object hook (half the cost of
            # sending a partition's results back).
            func_dumps=_dumps,
            func_loads=pickle.loads,
        )

    threads = ThreadPoolExecutor(WAVES_AT_ONCE, thread_name_prefix="timeline-wave")
    pending: collections.deque = collections.deque()
    try:
        for wave in itertools.islice(waves, WAVES_AT_ONCE):
            pending.append((wave, threads.submit(compute, wave)))
        while pending:
            wave, future = pending.popleft()
            outcomes = future.result()
            following = next(waves, None)
            if following is not None:
                pending.append((following, threads.submit(compute, following)))
            for part, outcome in zip(wave, outcomes, strict=True):
                yield [indices[i] for i in part], outcome
    finally:
        # An interrupted build starts no further wave; the waves running end when
        # the pool is shut down (their next submission fails).
        threads.shutdown(wait=False, cancel_futures=True)


class Workers:
    """The local worker processes of one build, started when first needed, for both stages.

    Workers forked from this process start at once, the resolver imported and
    warm (warmed here first, once, not once per worker); a fresh interpreter
    ("spawn") costs each of them ~1.5 s of CPU. A process holding other threads
    (a progress bar) is never forked, their locks could be held in the child: a
    fork server, importing the work's modules once, then. One pool serves
    stage 1 and stage 2 (:func:`map_parts`): a second would cost its start
    again and, forked from a command by then holding the rows, count their
    pages once more in every worker.
    """

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine or Engine()
        self._stack = contextlib.ExitStack()
        self._pool: Any = None

    def pool(self, function: Callable, warm: bool = False) -> Any:
        """The pool, started now when it is not yet (``warm``: the resolver warmed first)."""
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            if _can_fork():
                if warm:
                    _warm_up()
                context = multiprocessing.get_context("fork")
            else:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([function.__module__, "timeline.gather"])
            # a forked worker has the build's Arrow pool already, a fork server's takes it
            executor = ProcessPoolExecutor(
                self.engine.local_workers(), mp_context=context, initializer=use_build_pool
            )
            self._pool = self._stack.enter_context(executor)
            # A forking pool starts every worker on its first task: that task now, while
            # this thread is the process's only one (the local scheduler's waves run
            # from threads). What the command holds then is frozen for the fork
            # (gc.freeze): the workers' collections never walk it, so they neither spend
            # their time on it nor copy its pages by writing to its objects' headers.
            frozen = context.get_start_method() == "fork" and not gc.get_freeze_count()
            if frozen:
                gc.freeze()
            try:
                executor.submit(os.getpid).result()
            finally:
                if frozen:
                    gc.unfreeze()  # here, the command's objects collected as before
        return self._pool

    @property
    def started(self) -> bool:
        """Whether the pool is running (a first call of :meth:`pool` started it)."""
        return self._pool is not None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exception: object) -> None:
        self._stack.close()
        self._pool = None


def map_parts(
    function: Callable[[Any], Any],
    parts: Iterable[Any],
    engine: Engine | None,
    documents: int,
    workers: Workers | None = None,
    light: tuple[Callable[[Any], int], int] | None = None,
) -> Iterator[Any]:
    """``function(part)`` of every part, in the parts' order, where ``engine`` works.

    Stage 2's merging (:mod:`timeline.gather`) runs here: in this process when
    the engine is serial for ``documents`` documents or there is one part, else
    on the local worker processes (:data:`IN_FLIGHT_PER_WORKER` parts per worker
    in flight: the next part is made here while the workers merge) or on the
    cluster. ``light``: ``(weight, below)``, the parts' weights adding up to less
    than ``below`` are work too small for local processes to start (a +1 %
    rebuild's few clusters): they run in this process too, whatever the number
    of workers. The parts are taken from ``parts`` as they are needed (up to
    ``below`` of them, to know); the results come back in their order whatever
    finished first, so the caller's bytes are a serial run's. When ``workers``
    are already running (stage 1 started them), there is no start left to pay:
    every part goes to them as soon as it is made, light or not.
    """
    engine = engine or Engine()
    parts = iter(parts)
    mode = engine.mode(documents)
    if mode == "processes" and workers is not None and workers.started:
        yield from _pooled(function, parts, engine, workers)
        return
    taken = list(itertools.islice(parts, 2))
    if not taken:
        return
    serial = len(taken) == 1 or mode == "serial"
    if not serial and light is not None and mode == "processes":
        weight, below = light
        total = sum(weight(part) for part in taken)
        while total < below:
            part = next(parts, None)
            if part is None:
                serial = True
                break
            taken.append(part)
            total += weight(part)
    if serial:
        yield from map(function, itertools.chain(taken, parts))
        return
    parts = itertools.chain(taken, parts)
    if mode == "distributed":
        from distributed import Client

        with Client(engine.scheduler, set_as_default=False) as client:
            futures = [client.submit(_on_worker, function, part, pure=False) for part in parts]
            for future in futures:
                yield future.result()
                future.release()
        return
    with contextlib.ExitStack() as stack:
        if workers is None:  # a pool for this call only
            workers = stack.enter_context(Workers(engine))
        yield from _pooled(function, parts, engine, workers)


def _pooled(
    function: Callable[[Any], Any], parts: Iterator[Any], engine: Engine, workers: Workers
) -> Iterator[Any]:
    """:func:`map_parts` on the local workers, the results in the parts' order."""
    window = engine.local_workers() * IN_FLIGHT_PER_WORKER
    pool = workers.pool(function)
    pending: collections.deque = collections.deque()
    for part in parts:  # made here while the workers merge the parts before it
        pending.append(pool.submit(function, part))
        while len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _warm_up() -> None:
    """Build what the resolver builds on its first call (patterns, tables)."""
    from normalizers import DocumentContext, normalize
    from timeline.associations import detect_association, find_organisations
    from timeline.boilerplate import boilerplate_spans

    text = "中国纺织工业联合会\n2023年5月1日，协会召开第三届会员大会，上海市服装行业协会出席。"
    normalize(text, DocumentContext())
    detect_association(text, None, boilerplate_spans(text))
    find_organisations(text)


def _on_worker(function: Callable[..., Any], *arguments: Any) -> Any:
    """``function(*arguments)`` on a cluster's worker, which is not forked from the build:
    with the build's Arrow memory pool (:mod:`timeline.arrow_pool`), as the local workers
    (:meth:`Workers.pool`). Per task: the cluster may be shared, and keeps no setting
    of a build's."""
    use_build_pool()
    return function(*arguments)


def _run_distributed(
    work: Work, engine: Engine, tasks: list[Task], indices: list[int], max_bytes: int | None
) -> Iterator[tuple[list[int], list[Any]]]:
    """A ``dask.distributed`` cluster: every partition submitted, gathered as it finishes."""
    from distributed import Client, as_completed

    with Client(engine.scheduler, set_as_default=False) as client:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        parts = _partitions(len(tasks), workers, engine.partition_size)
        futures = {
            client.submit(
                _on_worker,
                process_partition,
                work,
                [(path.absolute(), metadata) for path, metadata in (tasks[i] for i in part)],
                max_bytes,
                pure=False,
            ): part
            for part in parts
        }
        for future in as_completed(futures, loop=client.loop):
            part = futures[future]
            yield [indices[i] for i in part], future.result()
            future.release()
