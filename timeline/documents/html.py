"""Web pages: main text (trafilatura), title, date and address from their metadata."""

from __future__ import annotations

import codecs
import html as html_entities
import re
from copy import deepcopy
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from timeline.documents.base import Document, DocumentError, _describe, _first_line_title, _quiet
from timeline.documents.text import _BOMS, _cut_note, _decode_cut, decode_with_repairs

if TYPE_CHECKING:
    from lxml.html import HtmlElement


# --------------------------------------------------------------------------- #
# Web pages                                                                    #
# --------------------------------------------------------------------------- #


def _load_html(path: Path, data: bytes, kind: str) -> Document:
    """A web page: main text by trafilatura, metadata from the markup.

    trafilatura keeps the article and drops navigation, related-news lists and
    footers (in its precision mode: on small pages the balanced mode keeps
    menus and "related reading" links, whose dates would become false events);
    when it finds nothing, the whole visible text is used. Nothing is
    fetched: the parsers only ever see the file's own markup.

    libxml2 gives up on a page nesting its tags more than 256 deep or holding a
    text of over 10 MB (it keeps what it read so far, silently), and
    trafilatura or lxml may fail on odd markup: the page's visible text is then
    read by :func:`stream_text`, which has no depth and runs in linear time, and
    :attr:`Document.repairs` says so.
    """
    _quiet("trafilatura", "htmldate", "courlan", "justext")
    markup, encoding, decoded = _decode_html(data, path)
    repairs = list(decoded)
    if not markup.strip():
        raise DocumentError(path, "no HTML in the file (it is empty)")
    checked, limit = _parse_checked(markup)
    text, metadata = "", (None, None, None)
    source = "html-meta"
    if limit is None:
        try:
            tree = _parse_html(markup)
            if tree is not None:
                text = _main_text(tree) or _visible_text(tree)
                metadata = _html_metadata(tree)
                if metadata[1] is None:
                    metadata = (metadata[0], _date_line(tree, metadata[0]), metadata[2])
                    source = "html-line" if metadata[1] else None
        except Exception as error:  # lxml, trafilatura and htmldate raise many kinds
            limit = f"the HTML parsers failed ({_describe(error)})"
            text = ""
    if limit is not None:
        text, stream_title = stream_text(markup)
        metadata = _metadata_or_none(checked)
        metadata = (metadata[0] or stream_title, metadata[1], metadata[2])
        repairs.append(
            f"{limit}: read its visible text as a stream instead, menus and footers included"
        )
    if not text.strip():
        raise DocumentError(path, "no text in the web page (is it rendered by JavaScript?)")
    title, published, url = metadata
    return Document(
        path=path,
        name=path.name,
        text=text,
        title=title or _first_line_title(text),
        published=published,
        published_source=source if published else None,
        url=url,
        format=kind,
        encoding=encoding,
        repairs=tuple(repairs),
    )


def _date_line(tree: HtmlElement, title: str | None) -> date | None:
    """The visible 发布日期/发布时间 line near the headline of a page without date markup.

    The main-text extractor often drops the line under the headline that dates
    the article (发布时间：2023-09-20 来源：…); the page shows it, so it counts.
    Looked for from the headline (``<h1>``, else the title) on; a page whose
    headline cannot be found gives none, so navigation dates never count.
    """
    from normalizers import detect_publication_date

    visible = _visible_text(tree)
    headings = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    for headline in [*headings, title or ""]:
        at = visible.find(headline) if headline else -1
        if at >= 0:
            return detect_publication_date(visible[at:])
    return None


def _parse_checked(markup: str) -> tuple[HtmlElement | None, str | None]:
    """The page parsed by lxml, and why the tree cannot be trusted (None if it can).

    libxml2 stops at a resource limit (nesting depth, huge text) with a fatal
    error and no exception: the tree simply ends there.
    """
    from lxml import etree
    from lxml import html as lxml_html

    def parse(source: str | bytes, parser: Any) -> HtmlElement | None:
        try:
            return lxml_html.document_fromstring(source, parser=parser)
        except etree.ParserError:
            return None

    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        tree = parse(markup, parser)
    except ValueError:  # a str with an encoding declaration: give lxml bytes
        parser = lxml_html.HTMLParser(
            remove_comments=True, remove_pis=True, collect_ids=False, encoding="utf-8"
        )
        tree = parse(markup.encode("utf-8", "surrogatepass"), parser)
    except Exception as error:
        return None, f"the HTML parser failed ({_describe(error)})"
    for entry in parser.error_log:
        if entry.level == etree.ErrorLevels.FATAL:
            message = " ".join(entry.message.split()).removesuffix(", use XML_PARSE_HUGE option")
            message = message.removesuffix(", try XML_PARSE_HUGE")
            return tree, (
                f"the HTML parser gave up at line {entry.line} ({message}):"
                " the page nests its tags too deeply or holds too long a text"
            )
    return tree, None


def _metadata_or_none(tree: HtmlElement | None) -> tuple[str | None, date | None, str | None]:
    """:func:`_html_metadata` of a partial tree; nothing when that fails too."""
    if tree is None:
        return None, None, None
    try:
        return _html_metadata(tree)
    except Exception:
        return None, None, None


_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)

#: Declared charsets read as their supersets, as browsers do.
_CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "cp950",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
}


def _declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 8 KB (``<meta charset>``, XML)."""
    match = _DECLARED_CHARSET.search(data[:8192])
    if match is None:
        return None
    name = (match.group(1) or match.group(2)).decode("ascii").lower()
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _CHARSET_SUPERSETS.get(codec, codec)


def _decode_html(data: bytes, path: Path) -> tuple[str, str, tuple[str, ...]]:
    """The page's markup as text, the encoding used, and what was repaired.

    A byte-order mark wins, then valid UTF-8 (pages often declare one charset
    and are saved in UTF-8), then the declared charset (gb2312 and gbk read as
    GB18030, their superset), then the plain-text detection. A page in its
    declared charset with a few broken bytes is still read, with replacement
    characters for them, and the repair says how many.
    """
    for bom, _, _ in _BOMS:
        if data.startswith(bom):
            return decode_with_repairs(data, path)
    try:
        text, cut = _decode_cut(data, "utf-8")
        return text, "utf-8", _cut_note(cut, "UTF-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared is not None:
        try:
            return data.decode(declared), declared, ()
        except UnicodeDecodeError:
            pass
    try:
        return decode_with_repairs(data, path)
    except DocumentError:
        if declared is None:
            raise
    text = data.decode(declared, errors="replace")
    broken = text.count("\ufffd")
    if broken > max(3, len(text) // 1000):
        raise DocumentError(path, f"cannot decode the page in its declared charset {declared}")
    return text, declared, (f"{broken} character(s) are not valid {declared}: replaced by \ufffd",)


def _parse_html(markup: str) -> HtmlElement | None:
    from lxml import etree
    from lxml import html as lxml_html
    from trafilatura.utils import load_html

    if not markup.strip():
        return None
    tree = load_html(markup)
    if tree is not None:
        return tree
    # trafilatura refuses fragments; lxml wraps them in a document
    try:
        return lxml_html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", markup))
    except (etree.ParserError, ValueError):
        return None


def _main_text(tree: HtmlElement) -> str:
    import trafilatura

    text = trafilatura.extract(
        deepcopy(tree),
        output_format="txt",
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        favor_precision=True,
    )
    return (text or "").strip()


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_INVISIBLE_TAGS = frozenset(
    ["head", "script", "style", "noscript", "template", "svg", "iframe", "object"]
)


def _visible_text(tree: HtmlElement) -> str:
    """All the text a browser would show, one block per line.

    Walked with an explicit stack, not recursion: the depth of a page is the
    page's business.
    """
    pieces: list[str] = []
    body = tree.find(".//body")
    stack: list[tuple[Any, bool]] = [(body if body is not None else tree, False)]
    while stack:
        element, leaving = stack.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        block = tag in _BLOCK_TAGS
        if leaving:
            if block:
                pieces.append("\n")
            pieces.append(element.tail or "")
            continue
        if not tag or tag in _INVISIBLE_TAGS:  # a comment, a script ...
            pieces.append(element.tail or "")
            continue
        if block:
            pieces.append("\n")
        pieces.append(element.text or "")
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return _block_lines("".join(pieces))


def _block_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


#: Elements whose content is never shown as text; a stream skips to their end tag.
_RAW_TEXT_TAGS = ("script", "style", "title", "noscript", "template", "textarea", "xmp", "iframe")
_END_TAGS = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _RAW_TEXT_TAGS}
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})")


def stream_text(markup: str) -> tuple[str, str | None]:
    """The visible text of a page read as a stream of tags, and its ``<title>``.

    No tree and no recursion, so no nesting is too deep, and every step moves
    forward: linear time whatever the markup (Python's own ``html.parser`` is
    quadratic on unclosed comments). Used when libxml2 gives up on a page.
    Block elements start new lines, as in :func:`_visible_text`; scripts,
    styles and the like are skipped.

    >>> stream_text("<title>年会</title>" + "<div>" * 3 + "8月22日<script>x</script>召开" + "</div>" * 3)
    ('8月22日召开', '年会')
    """
    pieces: list[str] = []
    title: str | None = None
    position, size = 0, len(markup)
    while position < size:
        opening = markup.find("<", position)
        if opening < 0:
            pieces.append(html_entities.unescape(markup[position:]))
            break
        pieces.append(html_entities.unescape(markup[position:opening]))
        if markup.startswith("<!--", opening):
            end = markup.find("-->", opening + 4)
            position = size if end < 0 else end + 3
            continue
        if markup.startswith(("<!", "<?"), opening):
            end = markup.find(">", opening + 2)
            position = size if end < 0 else end + 1
            continue
        tag = _TAG_NAME.match(markup, opening)
        if tag is None:  # a lone "<" is text
            pieces.append("<")
            position = opening + 1
            continue
        end = markup.find(">", tag.end())
        if end < 0:  # a tag left open runs to the end of the file, as in browsers
            break
        position = end + 1
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _BLOCK_TAGS:
            pieces.append("\n")
        if not closing and name in _END_TAGS and markup[end - 1] != "/":
            found = _END_TAGS[name].search(markup, position)
            content = markup[position : found.start() if found else size]
            if name == "title" and title is None:
                title = " ".join(html_entities.unescape(content).split()) or None
            position = found.end() if found else size
    return _block_lines("".join(pieces)), title


def _html_metadata(tree: HtmlElement) -> tuple[str | None, date | None, str | None]:
    """Title, publication date and address from the page's markup.

    Title and address come from trafilatura (og:title, ``<title>``; canonical
    link, og:url). The date comes from htmldate, given only the markup that
    states a date (meta tags, JSON-LD, ``<time>`` outside lists and footers)
    and the address: never the article text, never a related-news list, and
    never the clock (its upper bound is fixed, not today).
    """
    from htmldate import find_date
    from trafilatura import extract_metadata

    metadata = extract_metadata(deepcopy(tree), date_config=dict(_DATE_OPTIONS))
    url = metadata.url or None
    found = find_date(_date_markup(tree), url=url, **_DATE_OPTIONS)
    published = date.fromisoformat(found) if found else None
    return metadata.title or None, published, url


_DATE_OPTIONS: dict[str, Any] = {
    "extensive_search": False,
    "original_date": True,
    "max_date": "2100-12-31",
    "deferred_url_extractor": True,
}

#: A ``<time>`` inside one of these is a list entry or page furniture.
_NOT_THE_ARTICLE = frozenset(["li", "nav", "aside", "footer", "a"])


def _date_markup(tree: HtmlElement) -> HtmlElement:
    """A page holding only the elements that state the page's own date."""
    from lxml import html as lxml_html

    page = lxml_html.document_fromstring("<html><head></head><body></body></html>")
    head, body = page.find("head"), page.find("body")
    kept = tree.xpath(
        '//meta | //link[@rel="canonical"] | //script[@type="application/ld+json"]'
        " | //*[@itemprop='datePublished']"
    )
    for element in kept:
        head.append(_detached_copy(element))
    for element in tree.iter("time"):
        if not any(ancestor.tag in _NOT_THE_ARTICLE for ancestor in element.iterancestors()):
            body.append(_detached_copy(element))
    return page


def _detached_copy(element: Any) -> Any:
    copy = deepcopy(element)
    copy.tail = None
    return copy
