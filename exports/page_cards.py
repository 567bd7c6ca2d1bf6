"""An event's card (``<li class="event">``) as HTML, made in Python, once per event.

A year page holds every event of its year: at 50,000 events the template's
per-card work was most of the page phase. :func:`card_html` writes the same
bytes the card's Jinja template wrote (kept as the oracle in
``tests/data/event_card.html.j2``; ``tests/test_page_cards.py`` compares both on
every kind of card), with every text from the table escaped by
:func:`markupsafe.escape` exactly as autoescaping did.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from exports.event_view import EventView

#: The characters autoescaping replaces, and what with (markupsafe's choice of entities).
_SPECIAL = re.compile("[&<>\"']")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}


def escape(text: str) -> str:
    """``text`` as :func:`markupsafe.escape` writes it; most text has nothing to replace
    (five ``in`` tests find that three times faster than one regular expression)."""
    if not ("&" in text or "<" in text or ">" in text or '"' in text or "'" in text):
        return text
    return _SPECIAL.sub(lambda found: _ENTITIES[found.group()], text)


_LINK = '" rel="noopener noreferrer nofollow" target="_blank"><bdi>'


def card_html(event: EventView, feeds: bool) -> Markup:
    """The card of ``event``; ``feeds``: the page lists feeds (then it says which are not in them)."""
    e = escape
    out = [
        f'          <li class="event c{event.colour} s{event.shape}" id="event-',
        e(event.event_id),
        f'" data-i="{event.index}">\n            <p class="when">\n',
    ]
    for place, part in enumerate(event.dates):
        if place:
            out.append('<span class="dash">—</span>')
        out += ['<time datetime="', e(part.datetime), '">', e(part.text), "</time>"]
    if event.time:
        out += ['<time class="time" datetime="', e(event.time_datetime), '">']
        out += [e(event.time), "</time>"]
    out += ['              <span class="precision" title="', e(event.precision_title), '">']
    out += [e(event.precision), "</span>\n"]
    if event.role:
        out += ['<span class="role">', e(event.role), "</span>"]
    if event.written:
        out += ['<span class="written">原文：<bdi>', e(event.written), "</bdi></span>"]
    if event.status:
        out += ['<span class="status">', e(event.status), "</span>"]
    if event.calendar and feeds:
        out += ['<span class="no-feed" title="不在日历订阅中：', e(event.calendar), '">不在日历：']
        out += [e(event.calendar), "</span>"]
    out += ['              <a class="permalink" href="#event-', e(event.event_id)]
    out.append('" aria-label="本条链接" title="本条链接">#</a>\n            </p>\n')
    out += ['            <h4 class="title"><bdi>', e(event.title), "</bdi></h4>\n"]
    out += ['            <p class="association"><bdi>', e(event.association), "</bdi></p>\n"]
    out += ['            <blockquote class="sentence"><p><bdi>', e(event.before)]
    if event.mark:
        out += ["<mark>", e(event.mark), "</mark>"]
    out += [e(event.after), "</bdi></p></blockquote>\n"]
    if event.organisations:
        out += ['            <p class="organisations">相关单位：<bdi>', e(event.organisations)]
        out.append("</bdi></p>\n")
    out.append('            <p class="source">来源：')
    if event.source_url:
        out += ['<a href="', e(event.source_url), _LINK]
        out += [e(event.doc_title or event.doc or event.source_url), "</bdi></a>"]
    else:
        out += ["<bdi>", e(event.doc_title or event.doc), "</bdi>"]
    if event.doc and event.doc_title:
        out += ['<span class="doc"><bdi>', e(event.doc), "</bdi></span>"]
    if event.published:
        out += ['<span class="published">发布于', e(event.published), "</span>"]
    if event.source_text:
        out += ['<span class="url-text"><bdi>', e(event.source_text), "</bdi></span>"]
    out.append("            </p>\n")
    if event.sources:
        out.append('            <p class="sources">另见：')
        for place, source in enumerate(event.sources):
            if place:
                out.append("；")
            if source.url:
                out += ['<a href="', e(source.url), _LINK, e(source.title or source.doc)]
                out.append("</bdi></a>")
            else:
                out += ["<bdi>", e(source.title or source.doc), "</bdi>"]
        out.append("            </p>\n")
    out.append("          </li>")
    return Markup("".join(out))


def card_lines(cards: list) -> list[bytes]:
    """Each card's line of a page's chronology (its HTML with its number, UTF-8), in order.

    A year's lines are made once for its page and its associations' pages of the year
    (:func:`chronology_html`'s ``lines``): a card is on both.
    """
    return [b'%b data-i="%d"%b\n' % (card.head, card.n, card.tail) for card in cards]


def chronology_html(cards: list, lines: list[bytes] | None = None) -> bytes:
    """A page's cards (:class:`exports.page_pieces.Card`, in page order) in their year
    sections and month groups, as the page's template wrote them, in UTF-8: a section
    per year, in it the whole year's group first, then each month's; each card's HTML
    joined as the bytes its card keeps, not rendered or encoded again, in one pass.

    ``lines``: the cards' :func:`card_lines`, when made already.
    """
    if lines is None:
        lines = card_lines(cards)
    groups: dict[tuple[int, int], list[bytes]] = {}
    for card, line in zip(cards, lines, strict=True):
        key = (card.year, card.group)
        found = groups.get(key)
        if found is None:
            found = groups[key] = []
        found.append(line)
    out: list[bytes] = []
    year = None
    for key in sorted(groups):
        if key[0] != year:
            if year is not None:
                out.append(b"    </section>\n")
            year = key[0]
            out.append(
                f'    <section class="year" id="year-{year}" '
                f'aria-labelledby="year-{year}-heading">\n'
                f'      <h2 id="year-{year}-heading">{year}年</h2>\n'.encode()
            )
        month = key[1]
        group = f"year-{year}-whole" if month == 0 else f"month-{year}-{month:02d}"
        out.append(
            f'      <section class="month" id="{group}">\n'
            f"        <h3>{'全年' if month == 0 else f'{month}月'}</h3>\n"
            '        <ol class="events">\n'.encode()
        )
        out += groups[key]
        out.append(b"        </ol>\n      </section>\n")
    if year is not None:
        out.append(b"    </section>\n")
    return b"".join(out)


__all__ = ["card_html", "card_lines", "chronology_html"]
