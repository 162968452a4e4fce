"""Read an FAQ from what a clinic has: a saved web page or its address, a Markdown file, a
spreadsheet of question,answer rows (CSV or TSV), or a Word document (.docx)."""

from __future__ import annotations

import csv
import html
import io
import zipfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from bot.importing.faq import DEFAULT_TITLE, Entry, Faq, ImportRefused, clean_line
from bot.importing.fetch import fetch_page
from bot.importing.page import faq_from_html

MAX_FILE_BYTES = 20 * 1024 * 1024
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown")
TABLE_SUFFIXES = (".csv", ".tsv", ".tab")
KINDS = "a web page (.html, or its https:// address), Markdown (.md), CSV or TSV, or .docx"
QUESTION_HEADERS = ("question", "questions", "q", "frage", "pregunta")
ANSWER_HEADERS = ("answer", "answers", "a", "antwort", "respuesta")
SECTION_HEADERS = ("section", "category", "topic", "group")


def read_source(source: str) -> Faq:
    """The FAQ in `source` (a file path or an http(s) address); ImportRefused says why not."""
    if urlsplit(source).scheme in ("http", "https"):
        page = fetch_page(source)
        markup = page.body if page.charset is None else page.body.decode(page.charset, "replace")
        return faq_from_html(markup, source, page.url)
    path = Path(source)
    data = _read_bytes(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _titled(faq_from_docx(data, source), path)
    if suffix in TABLE_SUFFIXES:
        text, note = _decode(data, source)
        delimiter = "\t" if suffix in (".tsv", ".tab") else _delimiter(text)
        faq = faq_from_table(text, delimiter, source, _title_from_name(path))
        return replace(faq, notes=faq.notes + ((note,) if note else ()))
    text, note = _decode(data, source)
    if suffix in MARKDOWN_SUFFIXES:
        faq = _titled(faq_from_markdown(text, source), path)
    elif suffix in HTML_SUFFIXES or text.lstrip().startswith("<"):
        faq = faq_from_html(data, source)
    else:
        raise ImportRefused(f"{source}: not a kind of file `faqbot import` reads ({KINDS})")
    return replace(faq, notes=faq.notes + ((note,) if note else ()))


def _read_bytes(path: Path) -> bytes:
    try:
        if not path.is_file():
            what = "a folder" if path.is_dir() else "not found"
            raise ImportRefused(f"{path}: {what}; give the file to import ({KINDS})")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportRefused(f"{path} is larger than 20 MB, too large for an FAQ")
        return path.read_bytes()
    except OSError as exc:
        raise ImportRefused(f"cannot read {path} ({exc.strerror or exc})") from None


def _decode(data: bytes, source: str) -> tuple[str, str]:
    """The text of a file: UTF-8 (with or without a byte-order mark), else Windows-1252 (what
    Excel saves as plain "CSV"), said in a note."""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), f"{source} is not UTF-8; it was read as Windows-1252"
    except UnicodeDecodeError:
        raise ImportRefused(f"{source}: cannot read its text; save it as UTF-8") from None


def _title_from_name(path: Path) -> str:
    words = path.stem.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else DEFAULT_TITLE


def _titled(faq: Faq, path: Path) -> Faq:
    """The FAQ titled after its file when the document names no title of its own."""
    return faq if faq.title != DEFAULT_TITLE else replace(faq, title=_title_from_name(path))


def faq_from_markdown(text: str, source: str) -> Faq:
    """The FAQ of a Markdown file (question headings or bold questions, as on a web page); a
    leading `---` front-matter block is skipped, its `title:` used."""
    title = ""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if end is not None:
            for line in lines[1:end]:
                key, _, value = line.partition(":")
                if key.strip().lower() == "title":
                    title = value.strip().strip("\"'")
            text = "\n".join(lines[end + 1 :])
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    faq = faq_from_html(f"<main>{rendered}</main>", source)
    return replace(faq, title=title or faq.title, shape=f"Markdown {faq.shape}")


def _delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def faq_from_table(text: str, delimiter: str, source: str, title: str) -> Faq:
    """The FAQ of a spreadsheet saved as CSV or TSV: a question and an answer on each row.
    A first row naming the columns (question, answer, optionally section) is read as headers;
    otherwise the first column is the question and the second the answer."""
    rows = [
        [cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise ImportRefused(f"{source} is empty")
    header = [cell.lower() for cell in rows[0]]
    q_col, a_col, s_col = 0, 1, -1
    if any(h in QUESTION_HEADERS for h in header) and any(h in ANSWER_HEADERS for h in header):
        q_col = next(i for i, h in enumerate(header) if h in QUESTION_HEADERS)
        a_col = next(i for i, h in enumerate(header) if h in ANSWER_HEADERS)
        s_col = next((i for i, h in enumerate(header) if h in SECTION_HEADERS), -1)
        rows = rows[1:]
    entries: list[Entry] = []
    for row in rows:
        cells = row + [""] * (max(q_col, a_col, s_col) + 1 - len(row))
        question = clean_line(cells[q_col])
        answer = tuple(clean_line(line) for line in cells[a_col].splitlines() if line.strip())
        if question and answer:
            section = clean_line(cells[s_col]) if s_col >= 0 else ""
            entries.append(Entry(question, answer, section or title))
    if not entries:
        raise ImportRefused(
            f"{source}: no rows with a question and an answer; put the question in the first "
            "column and its answer in the second (or name the columns question and answer in "
            "the first row)"
        )
    return Faq(title, tuple(entries), source, "table rows")


def faq_from_docx(data: bytes, source: str) -> Faq:
    """The FAQ of a Word document: its headings, paragraphs (bold ones as possible questions),
    lists and links are read as a web page's would be."""
    import docx  # python-docx; imported here, only `faqbot import` of a .docx needs it
    from docx.opc.exceptions import PackageNotFoundError
    from docx.text.hyperlink import Hyperlink
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportRefused(f"{source} is not a Word document (.docx) that can be read") from None
    parts: list[str] = ["<main>"]
    listing = False
    for block in document.iter_inner_content():
        if not isinstance(block, Paragraph):
            for row in block.rows:
                cells = " ".join(f"<td>{html.escape(c.text)}</td>" for c in row.cells)
                parts.append(f"<table><tr>{cells}</tr></table>")
            continue
        style = (block.style.name if block.style is not None else "") or ""
        inline = []
        for piece in block.iter_inner_content():
            text = html.escape(piece.text)
            if isinstance(piece, Hyperlink) and piece.url:
                inline.append(f'<a href="{html.escape(piece.url)}">{text}</a>')
            else:
                inline.append(text)
        content = "".join(inline)
        if not content.strip():
            continue
        is_item = style.startswith("List")  # List Bullet, List Number, List Paragraph
        if is_item != listing:
            parts.append("<ul>" if is_item else "</ul>")
            listing = is_item
        if is_item:
            parts.append(f"<li>{content}</li>")
        elif style == "Title":
            parts.append(f"<h1>{content}</h1>")
        elif style.startswith("Heading") and style[-1:].isdigit():
            level = min(int(style[-1]) + 1, 6)  # Heading 1 is a section; the Title is the h1
            parts.append(f"<h{level}>{content}</h{level}>")
        elif all(run.bold for run in block.runs if run.text.strip()):
            parts.append(f"<p><strong>{content}</strong></p>")
        else:
            parts.append(f"<p>{content}</p>")
    parts.append("</ul></main>" if listing else "</main>")
    faq = faq_from_html("".join(parts), source)
    title = clean_line(document.core_properties.title or "")
    return replace(faq, title=title or faq.title, shape=f"Word {faq.shape}")
