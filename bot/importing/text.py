"""Parts of an HTML page as lines that read on their own: paragraphs and list items one a line,
the text of a link followed by its address, nothing hidden behind markup."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from bs4.element import NavigableString, PageElement, PreformattedString, Tag

from bot.importing.faq import clean_line

# Elements that hold no text a visitor reads as part of an answer.
SILENT = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "img", "picture", "video", "audio",
        "iframe", "object", "embed", "canvas", "input", "select", "textarea", "link",
        "meta", "head",
    }
)  # fmt: skip
# Elements that start a line of their own.
BLOCK = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "li",
        "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "tr",
        "pre", "figure", "figcaption", "details", "summary", "address", "hr", "form",
        "fieldset", "ul", "ol",
    }
)  # fmt: skip
BULLET = "•"


def parse_html(markup: str | bytes) -> BeautifulSoup:
    """A parsed page or fragment (lxml's HTML parser), without bs4's hints about markup that
    looks like a file name or XML: an import reads whatever it is given as HTML."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup, "lxml")


def text_of(element: PageElement) -> str:
    """The visible text of an element on one line (link addresses left out)."""
    builder = _Lines("", addresses=False)
    builder.walk([element])
    builder.end_line()
    return " ".join(builder.lines)


class _Lines:
    """Builds the lines of an answer while its elements are walked."""

    def __init__(self, base_url: str, addresses: bool = True) -> None:
        self.base_url = base_url
        self.addresses = addresses
        self.lines: list[str] = []
        self._current: list[str] = []

    def add(self, text: str) -> None:
        self._current.append(text)

    def end_line(self) -> None:
        line = clean_line("".join(self._current))
        if line:
            self.lines.append(line)
        self._current = []

    def walk(self, nodes: Iterable[PageElement]) -> None:
        for node in nodes:
            if isinstance(node, NavigableString):
                if not isinstance(node, PreformattedString):
                    self.add(str(node))
                continue
            if not isinstance(node, Tag) or node.name in SILENT:
                continue
            if node.name == "br":
                self.end_line()
            elif node.name == "a" and self.addresses:
                self.add(link_text(node, self.base_url))
            elif node.name in ("ul", "ol"):
                self.end_line()
                self.list_items(node)
            elif node.name in ("td", "th"):
                self.add(" " + text_of(node) + " ")  # cells of a row on its line
            elif node.name in BLOCK:
                self.end_line()
                self.walk(node.children)
                self.end_line()
            else:
                self.walk(node.children)

    def list_items(self, listing: Tag) -> None:
        items = [c for c in listing.children if isinstance(c, Tag) and c.name == "li"]
        for number, item in enumerate(items, start=1):
            self.add(f"{number}. " if listing.name == "ol" else f"{BULLET} ")
            self.walk(item.children)
            self.end_line()


def answer_lines(nodes: Iterable[PageElement], base_url: str = "") -> list[str]:
    """The lines an answer's elements read as: one per paragraph or list item (`•` or `1.`
    before an item), links as their text and their address."""
    builder = _Lines(base_url)
    builder.walk(nodes)
    builder.end_line()
    return builder.lines


def link_text(link: Tag, base_url: str) -> str:
    """A link as it reads on paper: its text, then its address in brackets when the text does
    not already show it (no address for links within the page or to scripts)."""
    text = text_of(link)
    href = str(link.get("href") or "").strip()
    scheme = urlsplit(href).scheme.lower()
    if not href or href.startswith("#") or scheme == "javascript":
        return text
    if scheme in ("mailto", "tel"):
        address = href.split(":", 1)[1].split("?", 1)[0]
        shown = address if scheme == "mailto" else address.replace("-", " ")
        digits = "".join(c for c in text if c.isdigit())
        seen = address.lower() in text.lower() or (
            scheme == "tel" and digits and digits in "".join(c for c in address if c.isdigit())
        )
        return text if seen or not address else f"{text} ({shown})".strip()
    if scheme not in ("http", "https", ""):
        return text
    address = urljoin(base_url, href) if base_url else href
    if not urlsplit(address).scheme:
        return text  # a relative link in a saved page: its address is unknown here
    bare = address.split("://", 1)[1].rstrip("/")
    if not text:
        return address
    return text if bare.lower() in text.lower() else f"{text} ({address})"
