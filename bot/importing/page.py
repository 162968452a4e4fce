"""The questions and answers of a web page's FAQ, in the shapes sites build them.

Recognised, in the page's main content once navigation, headers, footers, sidebars and cookie
banners are set aside: `<details>`/`<summary>`, definition lists, accordions (an element that
opens a panel by `aria-controls`, Bootstrap's `data-bs-target`, or the question/answer classes of
WordPress FAQ blocks and builders), headings or bold paragraphs that end with a question mark
followed by their answer, and the schema.org FAQPage data (JSON-LD) search engines read, used
when it holds more questions than the visible page (a page whose FAQ is drawn by script).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, PreformattedString, Tag

from bot.importing.faq import DEFAULT_TITLE, Entry, Faq, ImportRefused, clean_line, is_question
from bot.importing.text import answer_lines, parse_html, text_of

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Whole regions that are not the page's content.
AROUND = ("nav", "aside", "dialog", "form", "script", "style", "noscript", "template", "iframe")
AROUND_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog"}
)
# Cookie and consent banners, by words in their class or id (OneTrust, Complianz, CookieYes...).
BANNER_WORDS = ("cookie", "consent", "gdpr", "onetrust", "cmplz", "cky-")
# Class names and ids of site headers, footers, sidebars and the like in themes and builders.
AROUND_NAMES = frozenset(
    {
        "sidebar", "site-header", "site-footer", "site-nav", "navbar", "breadcrumb",
        "breadcrumbs", "widget-area", "newsletter", "skip-link", "screen-reader-text",
        "masthead", "colophon", "site_header", "site_footer", "footer-sections",
        "share-buttons", "social-share", "elementor-location-header",
        "elementor-location-footer", "elementor-location-popup",
    }
)  # fmt: skip
MAIN = ("main", "[role=main]", "article", "#content", ".entry-content")
# Accordion titles and panels by class, for markup that does not link them by id.
QUESTION_CLASSES = (
    "schema-faq-question",  # Yoast SEO FAQ block
    "rank-math-question",  # Rank Math FAQ block
    "elementor-tab-title",  # Elementor accordion and toggle
    "uagb-question",  # Spectra FAQ block
    "kt-blocks-accordion-header",  # Kadence accordion
    "ea-header",  # Easy Accordion
    "faq-question",
    "accordion-title",
    "accordion-toggle",
    "toggle-title",
)
ANSWER_WORDS = ("answer", "content", "body", "panel", "collapse", "description", "dropdown")


@dataclass
class _Pair:
    """A question element and the elements holding its answer."""

    question: Tag
    answer: list[PageElement]
    shape: str


@dataclass
class _Open:
    """A heading or bold paragraph that asks a question, and the blocks after it so far."""

    question: str
    section: str
    nodes: list[PageElement] = field(default_factory=list)


def faq_from_html(markup: str | bytes, source: str, url: str = "") -> Faq:
    """Read the FAQ of a page; `url` is its address when fetched (else the page's canonical
    address, if it names one). Raises ImportRefused when it has no questions with answers."""
    soup = parse_html(markup)
    url = url or _canonical(soup)
    site_name = _meta(soup, "og:site_name")
    from_data = _jsonld_entries(soup, url)
    _set_aside_surroundings(soup)
    main = _main(soup)
    title = _title(soup, main)
    entries, shape = _Walk(main, url, title).entries()
    if len(from_data) > len(entries):
        entries, shape = [Entry(e.question, e.answer, title) for e in from_data], "JSON-LD"
    if not entries:
        raise ImportRefused(
            f"{source}: no questions with answers were found on this page. `faqbot import` "
            "reads FAQ pages: questions as headings, bold lines, accordions, <details> or a "
            "definition list, each followed by its answer. Is this the page with the "
            "questions, saved whole (in the browser: Save Page As, 'Web page, complete' or "
            "'HTML only')?"
        )
    return Faq(title, tuple(entries), source, shape, url, site_name)


def _meta(soup: BeautifulSoup, prop: str) -> str:
    tag = soup.find("meta", attrs={"property": prop}) or soup.find("meta", attrs={"name": prop})
    return clean_line(str(tag.get("content") or "")) if isinstance(tag, Tag) else ""


def _canonical(soup: BeautifulSoup) -> str:
    link = soup.find("link", rel="canonical")
    found = str(link.get("href") or "") if isinstance(link, Tag) else ""
    found = found or _meta(soup, "og:url")
    return found if urlsplit(found).scheme in ("http", "https") else ""


def _title(soup: BeautifulSoup, main: Tag) -> str:
    """The page's own title: its first main heading, else og:title, else <title> without the
    site's name after a separator."""
    heading = main.find("h1")
    if isinstance(heading, Tag) and (text := text_of(heading)) and not is_question(text):
        return text
    title = _meta(soup, "og:title")
    if not title and soup.title is not None:
        title = clean_line(soup.title.get_text())
    for separator in (" | ", " – ", " — ", " - ", " · "):
        title = title.split(separator)[0]
    return title.strip() or DEFAULT_TITLE


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    names = value if isinstance(value, list) else str(value or "").split()
    return [str(n).lower() for n in names]


def _is_surrounding(tag: Tag) -> bool:
    """Whether `tag` is navigation, a site header or footer, a sidebar or a cookie banner."""
    if tag.name in AROUND:
        return True
    if tag.name in ("header", "footer") and tag.find_parent(("main", "article")) is None:
        return True
    if str(tag.get("role") or "").lower() in AROUND_ROLES:
        return True
    names = [*_classes(tag), str(tag.get("id") or "").lower()]
    if any(word in name for name in names for word in BANNER_WORDS):
        return True
    builder_part = str(tag.get("data-elementor-type") or "") in ("header", "footer", "popup")
    return builder_part or any(name in AROUND_NAMES for name in names)


def _set_aside_surroundings(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(True):
        if not tag.decomposed and _is_surrounding(tag):
            tag.decompose()


def _main(soup: BeautifulSoup) -> Tag:
    for selector in MAIN:
        found = soup.select_one(selector)
        if found is not None:
            return found
    return soup.body or soup


def _panel(tag: Tag, root: Tag) -> Tag | None:
    """The element an accordion title opens: named by aria-controls, data-bs-target,
    data-target or a `#id` link that toggles a collapse."""
    ids = str(tag.get("aria-controls") or "").split()
    for attribute in ("data-bs-target", "data-target", "href"):
        value = str(tag.get(attribute) or "")
        toggles = str(tag.get("data-bs-toggle") or tag.get("data-toggle") or "")
        if value.startswith("#") and (attribute != "href" or toggles == "collapse"):
            ids.append(value[1:])
    for name in ids:
        panel = root.find(id=name)
        if isinstance(panel, Tag) and panel is not tag and tag not in panel.descendants:
            return panel
    return None


def _next_panel(tag: Tag) -> Tag | None:
    """The panel after an accordion title: its next element, or its parent's (up to two
    levels), when that element's classes name it a panel, answer or content."""
    node: Tag | None = tag
    for _ in range(3):
        if node is None:
            return None
        sibling = node.find_next_sibling(True)
        if isinstance(sibling, Tag):
            names = " ".join(_classes(sibling))
            if any(word in names for word in ANSWER_WORDS) or sibling.name in ("p", "dd"):
                return sibling
            return None
        parent = node.parent
        node = parent if isinstance(parent, Tag) else None
    return None


def _pairs(root: Tag) -> list[_Pair]:
    """Every accordion-like question element in `root` and its answer's elements."""
    found: dict[int, _Pair] = {}

    def add(question: Tag, answer: list[PageElement], shape: str) -> None:
        if id(question) not in found and any(text_of(a) for a in answer):
            found[id(question)] = _Pair(question, answer, shape)

    for details in root.find_all("details"):
        summary = details.find("summary")
        if isinstance(summary, Tag):
            add(summary, [c for c in details.children if c is not summary], "<details>")
    for listing in root.find_all("dl"):
        add_definitions(listing, add)
    for tag in root.find_all(True):
        if tag.name == "summary" or tag.find_parent("summary") is not None:
            continue
        panel = _panel(tag, root)
        if panel is not None and str(tag.get("role") or "") != "tab":
            add(_title_of(tag), [panel], "accordion")
    for name in QUESTION_CLASSES:
        for tag in root.select(f".{name}"):
            if id(tag) in found or any(id(p) in found for p in tag.parents):
                continue
            if any(isinstance(d, Tag) and id(d) in found for d in tag.descendants):
                continue
            panel = _next_panel(tag)
            if panel is not None:
                add(tag, [panel], "accordion")
    return sorted(found.values(), key=lambda p: _position(root, p.question))


def _title_of(tag: Tag) -> Tag:
    """The accordion title to read the question from: the heading around a toggle button."""
    parent = tag.parent
    if isinstance(parent, Tag) and parent.name in HEADINGS and text_of(parent) == text_of(tag):
        return parent
    return tag


def add_definitions(listing: Tag, add: Callable[[Tag, list[PageElement], str], None]) -> None:
    """The terms of a definition list as questions, their descriptions as answers, when at
    least one term is a question (a glossary is not an FAQ)."""
    items = [c for c in listing.find_all(("dt", "dd")) if c.find_parent("dl") is listing]
    terms = [i for i in items if i.name == "dt"]
    if not any(is_question(text_of(t)) for t in terms):
        return
    for i, item in enumerate(items):
        if item.name != "dt":
            continue
        answer: list[PageElement] = []
        for following in items[i + 1 :]:
            if following.name == "dt":
                break
            answer.append(following)
        add(item, answer, "definition list")


def _position(root: Tag, tag: Tag) -> int:
    for n, node in enumerate(root.descendants):
        if node is tag:
            return n
    return -1


class _Walk:
    """Goes through the main content in reading order, keeping the latest section heading,
    and turns accordion items and question headings into entries."""

    def __init__(self, root: Tag, url: str, title: str) -> None:
        self.root = root
        self.url = url
        self.section = title
        self.found: list[Entry] = []
        self.shapes: dict[str, None] = {}
        pairs = _pairs(root)
        inner = {id(p.question) for p in pairs}
        # An item whose panel holds other questions is a category: its title is a section.
        self.categories = {
            id(p.question)
            for p in pairs
            if any(isinstance(d, Tag) and id(d) in inner for a in p.answer for d in _tags_in(a))
        }
        self.pairs = {id(p.question): p for p in pairs if id(p.question) not in self.categories}
        self.answers = {id(a) for p in self.pairs.values() for a in p.answer}
        self.leads_to = {
            id(parent) for p in pairs for parent in p.question.parents if isinstance(parent, Tag)
        }
        self.open: _Open | None = None

    def entries(self) -> tuple[list[Entry], str]:
        self._visit(self.root)
        self._close()
        return self.found, " and ".join(self.shapes) or "none"

    def _close(self) -> None:
        if self.open is not None:
            lines = answer_lines(self.open.nodes, self.url)
            if lines:
                self.found.append(Entry(self.open.question, tuple(lines), self.open.section))
                self.shapes["question headings"] = None
        self.open = None

    def _visit(self, tag: Tag) -> None:
        for child in list(tag.children):
            if isinstance(child, NavigableString):
                if self.open is not None and not isinstance(child, PreformattedString):
                    self.open.nodes.append(child)
                continue
            if not isinstance(child, Tag) or id(child) in self.answers:
                continue
            if id(child) in self.categories:
                self._close()
                self.section = text_of(child) or self.section
            elif id(child) in self.pairs:
                self._close()
                self._pair(self.pairs[id(child)])
            elif id(child) in self.leads_to:
                self._close()
                self._visit(child)
            elif child.name in HEADINGS:
                self._heading(child)
            elif (question := _bold_question(child)) is not None:
                self._close()
                self.open = _Open(question[0], self.section, question[1])
            elif self.open is not None and not _asks_inside(child):
                self.open.nodes.append(child)
            else:
                self._visit(child)

    def _heading(self, heading: Tag) -> None:
        self._close()
        text = text_of(heading)
        if not text:
            return
        if is_question(text):
            self.open = _Open(text, self.section)
        else:
            self.section = text

    def _pair(self, pair: _Pair) -> None:
        question = _question_text(pair.question)
        lines = answer_lines(pair.answer, self.url)
        if question and lines:
            self.found.append(Entry(question, tuple(lines), self.section))
            self.shapes[pair.shape] = None


def _asks_inside(tag: Tag) -> bool:
    """Whether a heading or a bold question is inside `tag` (it then holds more than the
    answer being read)."""
    if tag.find(HEADINGS) is not None:
        return True
    return any(_bold_question(p) is not None for p in tag.find_all("p"))


def _tags_in(node: PageElement) -> Iterator[PageElement]:
    if isinstance(node, Tag):
        yield node
        yield from node.descendants


def _question_text(tag: Tag) -> str:
    """An accordion title's text, without the +, − or arrow drawn as text beside it."""
    return text_of(tag).strip(" +-−–▾▼▸►›»⌄").strip()


def _bold_question(tag: Tag) -> tuple[str, list[PageElement]] | None:
    """A paragraph that starts with a bold question: the question, and what follows it in the
    paragraph (the start of the answer)."""
    if tag.name != "p":
        return None
    children = [
        c
        for c in tag.children
        if not (isinstance(c, NavigableString) and not str(c).strip())
        and not isinstance(c, PreformattedString)
    ]
    if not children or not isinstance(children[0], Tag) or children[0].name not in ("strong", "b"):
        return None
    question = text_of(children[0])
    if not is_question(question):
        return None
    return question, children[1:]


def _jsonld_entries(soup: BeautifulSoup, url: str) -> list[Entry]:
    """The questions of the page's schema.org FAQPage data (JSON-LD), in their order."""
    nodes: list[dict[str, Any]] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            nodes += list(_objects(json.loads(script.get_text())))
        except ValueError:
            continue  # broken data: the visible page still counts
    by_id = {str(n["@id"]): n for n in nodes if "@id" in n}
    entries: list[Entry] = []
    for page in (n for n in nodes if _typed(n, "FAQPage")):
        for item in _listed(page.get("mainEntity")):
            question = by_id.get(str(item.get("@id")), item) if "name" not in item else item
            if not _typed(question, "Question"):
                continue
            answers = _listed(question.get("acceptedAnswer"))
            text = str(answers[0].get("text") or "") if answers else ""
            lines = answer_lines(parse_html(text).contents, url) if text.strip() else []
            name = clean_line(text_of(parse_html(str(question.get("name") or ""))))
            if name and lines:
                entries.append(Entry(name, tuple(lines)))
    return entries


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in `data`, nested ones (`@graph`, lists) included."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _objects(value)
    elif isinstance(data, list):
        for value in data:
            yield from _objects(value)


def _typed(node: dict[str, Any], kind: str) -> bool:
    types = node.get("@type")
    return kind in (types if isinstance(types, list) else [types])


def _listed(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [i for i in items if isinstance(i, dict)]
