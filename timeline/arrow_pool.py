"""Arrow's memory pool for a build: jemalloc where pyarrow has it, unless the user chose.

A build moves its rows through Arrow a few times (stage 2 takes each
association's rows out of the row store, the table is taken into its order,
the site reads it column by column), and each take allocates new buffers.
pyarrow's default pool on Linux is mimalloc; with it, the gathering (stage 2 and
the table's order) of a ``+1 %`` rebuild at 10,000 documents took 1.1–2.1 s on
this project's 2-core machine, with jemalloc 0.45–0.67 s, and the whole rebuild
about 0.5–1 s more (see ``docs/scale.md``, “Arrow's memory pool”). The output
does not depend on the pool (``tests/test_arrow_pool.py``).

``ARROW_DEFAULT_MEMORY_POOL`` (``jemalloc``, ``mimalloc`` or ``system``), when
set, is Arrow's own choice and is left alone: a user who set it gets that pool.
"""

from __future__ import annotations

import contextlib
import os

import pyarrow as pa

#: Arrow's own variable naming its default pool; set, it wins.
ENVIRONMENT = "ARROW_DEFAULT_MEMORY_POOL"

_chosen: str | None = None


def use_build_pool() -> str:
    """Make jemalloc Arrow's default pool for this process (once), unless
    :data:`ENVIRONMENT` names one or this pyarrow has no jemalloc; the pool's
    name is returned.

    Buffers made before keep the pool that made them, so calling this late is
    safe. Forked workers inherit the choice; the engine makes it in a fork server's
    workers as they start and on a cluster's workers before each task
    (:class:`timeline.engine.Workers`, :func:`timeline.engine._on_worker`).
    """
    global _chosen
    if _chosen is None:
        if not os.environ.get(ENVIRONMENT):
            # a pyarrow built without jemalloc (Windows, some other wheels) keeps its default
            with contextlib.suppress(NotImplementedError):
                pa.set_memory_pool(pa.jemalloc_memory_pool())
        _chosen = pa.default_memory_pool().backend_name
    return _chosen
