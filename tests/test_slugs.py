"""Association slugs: what :func:`timeline.slugs.remember` takes, and what it spares.

A slug names a file, so a slug read back from a kept file (the cache folder,
which a user can edit) is taken only in the form :func:`~timeline.slugs.slugify`
makes: letters, digits and single hyphens, ending in its name's digest.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from timeline import slugs

NAME = "汕头市纺织服装产业协会"
SLUG = "shan-tou-shi-fang-zhi-fu-zhuang-chan-ye-xie-hui-e709bc"


@pytest.fixture(autouse=True)
def _fresh_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slugs, "_known", {})


def test_a_remembered_slug_is_the_one_slugify_makes() -> None:
    assert slugs.slugify(NAME) == SLUG  # spelled out
    assert slugs.known_slugs() == {NAME: SLUG}
    slugs._known.clear()
    assert slugs.remember({NAME: SLUG}) == 1
    assert slugs.slugify(NAME) == SLUG


DIGEST = hashlib.sha1(NAME.encode()).hexdigest()[:6]


@pytest.mark.parametrize(
    "slug",
    [
        f"../../etc-{DIGEST}",
        f"a/b-{DIGEST}",
        f"Shan-Tou-{DIGEST}",
        f"shan--tou-{DIGEST}",
        f"-shan-tou-{DIGEST}",
        "shan-tou-000000",  # another name's digest
        f"{'a' * 70}-{DIGEST}",
        "",
        7,
    ],
)
def test_remember_refuses_a_slug_slugify_could_not_have_made(slug: object) -> None:
    assert slugs.remember({NAME: slug}) == 0
    assert NAME not in slugs.known_slugs()


def test_a_remembered_name_is_named_without_loading_the_pinyin_tables() -> None:
    script = f"""
import json, sys
from timeline import slugs
slugs.remember({{{NAME!r}: {SLUG!r}}})
first = slugs.slugify({NAME!r}), "pypinyin" in sys.modules
second = slugs.slugify("上海纺织协会"), "pypinyin" in sys.modules
print(json.dumps([first, second]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    first, second = json.loads(done.stdout)
    assert first == [SLUG, False]
    assert second[1] is True and second[0].startswith("shang-hai-fang-zhi-xie-hui-")


def test_the_tables_version_is_steady_and_names_this_module() -> None:
    assert slugs.tables_version() == slugs.tables_version()
    assert len(slugs.tables_version()) == 64
