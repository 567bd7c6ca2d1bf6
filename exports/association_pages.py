"""Every event of an association, a year at a time: ``associations/<slug>-<year>.html``.

An association's page (``associations/<slug>.html``) shows its newest
:data:`~exports.site_pages.FIRST_PAGE_EVENTS` events; a reviewer going through an
association's events must reach all of them. So each association also has a page
per year it has events in, holding every one of them, and its page's year list
links those pages (not the whole corpus's year pages). The pages sit beside the
association's page, in ``associations/``, so that they reach the site's scripts and
search pieces by the same ``../`` and work from ``file://`` like every other page.

A page of the association and year is a function of that year's rows of the
association (their cards and numbers), its name and the years it has: on a rebuild
only the pages whose rows changed are made (each is its own piece of the page cache,
:class:`exports.page_pieces.PieceCache`, with its own fingerprint); the others
are taken as published, linked. The year lists carry no counts but the page's own,
so that an event added in one year changes no other year's page (a year the
association had no event in before changes its year lists, as it changes the
corpus's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from exports.page_cards import card_lines
from exports.page_pieces import fingerprint

#: The page of an association and a year, relative to the associations' folder.
PAGE_NAME = "{slug}-{year}.html"
#: The kind of page, as the template and the page's script know it.
KIND = "association-year"


def page_name(slug: str, year: int) -> str:
    """The file of ``slug``'s events of ``year``, in the associations' folder.

    A slug ends in six hexadecimal digits (:func:`timeline.slugs.slugify`), so a
    name ending in ``-<year>`` is never another association's page.

    >>> page_name("shang-hai-fang-zhi-xie-hui-fc2044", 2023)
    'shang-hai-fang-zhi-xie-hui-fc2044-2023.html'
    """
    return PAGE_NAME.format(slug=slug, year=year)


class AssociationYears:
    """The pages of every (association, year) of a site: their rows, fingerprints, and
    which of them a build must make (the others are kept as published)."""

    def __init__(
        self,
        site: Any,
        folder: str,
        context: str,
        keys: Callable[[Iterable[int]], list[bytes]],
        year_link: Callable[..., Any],
    ) -> None:
        """``site``: the page writer's :class:`exports.site_pages._Site` (its order, slugs,
        cache, pages); ``folder``: the associations' folder; ``context`` and ``keys``: what
        fingerprints its pieces; ``year_link``: its ``YearLink`` (year, count, href, here)."""
        self.site = site
        self.year_link = year_link
        self.folder = folder
        self.places: dict[tuple[str, int], list[int]] = {}
        order = site.order
        for place, (name, start) in enumerate(zip(order.associations, order.starts, strict=True)):
            self.places.setdefault((name, start.year), []).append(place)
        self.years: dict[str, list[int]] = {}
        for name, year in sorted(self.places):
            self.years.setdefault(name, []).append(year)
        # A card's number (exports.page_numbers) moves only when an event is added to its
        # day: a page of a year whose own events did not change is kept.
        self.prints = {
            (name, year): fingerprint(
                context,
                self.relative(name, year),
                name,
                self.years[name],
                [site.number(place) for place in places],
                keys=keys(places),
            )
            for (name, year), places in self.places.items()
        }
        #: year -> the associations whose page of that year this build makes.
        self.todo: dict[int, list[str]] = {}

    def relative(self, name: str, year: int) -> str:
        return f"{self.folder}/{page_name(self.site.slugs[name], year)}"

    def plan(self, out: Any, year: int) -> bool:
        """Take the pages of ``year`` that did not change; True when some must be made
        (they need the year's cards)."""
        names = [name for name, years in self.years.items() if year in years]
        self.todo[year] = [
            name
            for name in names
            if self.site.kept_piece(out, self.relative(name, year), self.prints[name, year]) is None
        ]
        return bool(self.todo[year])

    def links(self, name: str, here: int | None = None) -> list[Any]:
        """The year list of ``name``'s pages: a link to each of its years' pages (a
        section of the page for the year it shows), counted only there."""
        return [
            self.year_link(
                year,
                len(self.places[name, year]),
                f"#year-{year}" if year == here else page_name(self.site.slugs[name], year),
                year == here,
            )
            for year in self.years[name]
        ]

    def write(
        self,
        out: Any,
        year: int,
        first: int,
        cards: list[Any],
        lines: list[bytes] | None = None,
    ) -> None:
        """Make the pages of ``year`` the plan left to make, from the year's ``cards``
        (every card of the year, in page order, the first at page place ``first``) and
        their chronology ``lines`` (:func:`exports.page_cards.card_lines`; made here if
        None): each card's line is made once for its year's page and its association's."""
        site = self.site
        todo = self.todo.get(year, [])
        if todo and lines is None:
            lines = card_lines(cards)
        for name in todo:
            assert lines is not None
            places = [place - first for place in self.places[name, year]]
            mine = [cards[at] for at in places]
            relative = self.relative(name, year)
            text = site.page(
                KIND,
                mine,
                lines=[lines[at] for at in places],
                heading=f"{name} · {year}年",
                year=year,
                year_links=self.links(name, year),
                home=f"{site.slugs[name]}.html",  # the association's page, beside it
            )
            digest = out.write(relative, text)
            if site.cache is not None:
                site.cache.record(relative, self.prints[name, year], {relative: digest})


__all__ = ["KIND", "AssociationYears", "page_name"]
