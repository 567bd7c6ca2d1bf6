"""Headless Chromium for the page's tests: one browser per test module, pages watched.

``tests/test_browser.py``, ``tests/test_page_browser.py`` and
``tests/test_page_pieces.py`` import their fixtures (``browser``, ``page``,
``watched``) and helpers from here. Pages are opened from ``file://`` as a user
opening ``index.html`` would; the ``page`` fixture records the page's requests,
console errors, uncaught errors and dialogs and fails the test if anything went
wrong. ``make system-packages`` installs ``chromium`` and ``fonts-noto-cjk``;
``npm ci`` axe-core (``make test`` does both). Without Chromium a module that
imports this one is skipped (an error on CI).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 900}

if not CHROMIUM.exists():
    message = f"{CHROMIUM} is missing: run `make system-packages` (make test does)"
    if os.environ.get("CI"):
        raise RuntimeError(message)
    pytest.skip(message, allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Watched:
    """What a page did besides rendering: requests, errors, dialogs."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def left_file(self) -> list[str]:
        return [url for url in self.requests if not url.startswith("file://")]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def watched() -> Watched:
    return Watched()


@pytest.fixture
def page(browser, watched: Watched) -> Iterator:
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)
    page = context.new_page()
    page.on("request", lambda request: watched.requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            watched.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: watched.page_errors.append(str(error)))

    def on_dialog(dialog) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()
    assert watched.console_errors == []
    assert watched.page_errors == []
    assert watched.dialogs == []


def open_page(page, folder: Path, name: str = "index.html", fragment: str = "") -> None:
    page.goto((folder / name).as_uri() + fragment)
    if name == "index.html":
        page.wait_for_selector("#controls:not([hidden])")


# --- accessibility ----------------------------------------------------------------

needs_axe = pytest.mark.skipif(
    not AXE.exists() and not os.environ.get("CI"),
    reason="axe-core missing: run `npm ci` (make test does)",
)


def axe_violations(browser, folder: Path, viewport: dict, name: str = "index.html") -> list[dict]:
    # axe is injected as a script, which the page's own CSP would (rightly) refuse.
    context = browser.new_context(locale="zh-CN", viewport=viewport, bypass_csp=True)
    try:
        page = context.new_page()
        open_page(page, folder, name)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("axe.run(document).then(r => r.violations)")
    finally:
        context.close()
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


__all__ = [
    "ARTIFACTS",
    "AXE",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PHONE",
    "VIEWPORT",
    "Watched",
    "axe_violations",
    "browser",
    "needs_axe",
    "open_page",
    "page",
    "watched",
]
