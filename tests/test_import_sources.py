"""`faqbot import` from Markdown, CSV/TSV and Word files, and from a page's address (fetched
from a test server on 127.0.0.1, with its time and size limits)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import docx
import pytest

from bot.importing.faq import ImportRefused
from bot.importing.fetch import fetch_page
from bot.importing.sources import read_source

PAGES = Path(__file__).resolve().parent / "data" / "import"


def test_markdown_question_headings_and_bold_questions(tmp_path: Path) -> None:
    source = tmp_path / "clinic-faq.md"
    source.write_text(
        "---\ntitle: Our FAQ\nlayout: page\n---\n\n# Questions\n\n## Visiting\n\n"
        "### Is there a waiting room?\n\nYes, with tea and water.\n\n"
        "**Can children come along?**\n\nPlease arrange childcare; the rooms are quiet.\n\n"
        "## Paying\n\n### Which cards do you take?\n\n- Visa\n- Mastercard\n\n"
        "See [our fees page](https://clinic.example/fees).\n",
        encoding="utf-8",
    )
    faq = read_source(str(source))
    assert faq.title == "Our FAQ"
    assert [(e.section, e.question, e.answer) for e in faq.entries] == [
        ("Visiting", "Is there a waiting room?", ("Yes, with tea and water.",)),
        (
            "Visiting",
            "Can children come along?",
            ("Please arrange childcare; the rooms are quiet.",),
        ),
        (
            "Paying",
            "Which cards do you take?",
            ("• Visa", "• Mastercard", "See our fees page (https://clinic.example/fees)."),
        ),
    ]


def test_csv_with_named_columns_and_a_section_column(tmp_path: Path) -> None:
    source = tmp_path / "faq.csv"
    source.write_text(
        'Section,Question,Answer\nVisits,"Is there parking, and is it free?","Yes.\nIt is free."\n'
        "Visits,,an answer without a question\n",
        encoding="utf-8",
    )
    faq = read_source(str(source))
    assert [(e.section, e.question, e.answer) for e in faq.entries] == [
        ("Visits", "Is there parking, and is it free?", ("Yes.", "It is free."))
    ]
    assert faq.title == "Faq"


def test_tsv_and_semicolon_csv_without_headers_read_question_then_answer(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text("Do you open early?\tFrom 7 on weekdays.\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(
        "Do you open early?;From 7 on weekdays.\nDo you close late?;At 6.\n", encoding="utf-8"
    )
    for name in ("a.tsv", "b.csv"):
        entry = read_source(str(tmp_path / name)).entries[0]
        assert (entry.question, entry.answer) == ("Do you open early?", ("From 7 on weekdays.",))


def test_a_csv_saved_by_excel_in_windows_1252_is_read_and_said(tmp_path: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_bytes(
        "Question,Answer\nWhat’s the fee?,It’s on the café’s wall.\n".encode("cp1252")
    )
    faq = read_source(str(source))
    assert faq.entries[0].question == "What’s the fee?"
    assert faq.notes == (f"{source} is not UTF-8; it was read as Windows-1252",)


def test_word_document_headings_bold_questions_lists_and_links(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "Patient questions"
    document.add_heading("Before you come", level=1)
    document.add_heading("How early should I arrive?", level=2)
    document.add_paragraph("Fifteen minutes before your appointment.")
    question = document.add_paragraph()
    question.add_run("What do I bring?").bold = True
    document.add_paragraph("Your ID", style="List Bullet")
    document.add_paragraph("Your insurance card", style="List Bullet")
    document.add_paragraph("A list of your medicines.")
    document.save(str(tmp_path / "faq.docx"))
    faq = read_source(str(tmp_path / "faq.docx"))
    assert faq.title == "Patient questions"
    assert [(e.section, e.question, e.answer) for e in faq.entries] == [
        (
            "Before you come",
            "How early should I arrive?",
            ("Fifteen minutes before your appointment.",),
        ),
        (
            "Before you come",
            "What do I bring?",
            ("• Your ID", "• Your insurance card", "A list of your medicines."),
        ),
    ]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.pdf", b"%PDF-1.4", "not a kind of file `faqbot import` reads"),
        ("empty.csv", b"\n\n", "is empty"),
        ("broken.docx", b"PK not really", "is not a Word document"),
        ("one-column.csv", b"just a line\n", "no rows with a question and an answer"),
    ],
)
def test_files_that_cannot_be_read_are_refused_plainly(
    tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ImportRefused, match=says):
        read_source(str(tmp_path / name))


def test_a_missing_file_or_a_folder_is_refused_plainly(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="not found"):
        read_source(str(tmp_path / "nope.html"))
    with pytest.raises(ImportRefused, match="a folder"):
        read_source(str(tmp_path))


class _Site(BaseHTTPRequestHandler):
    """A clinic site on this machine: its FAQ, a redirect to it, and pages that misbehave."""

    def do_GET(self) -> None:
        if self.path == "/faq":
            self._send(200, "text/html; charset=utf-8", (PAGES / "bootstrap.html").read_bytes())
        elif self.path == "/old-faq":
            self.send_response(301)
            self.send_header("Location", "/faq")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/to-a-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/huge":
            self._send(200, "text/html", b"<p>" + b"x" * 300_000)
        elif self.path == "/endless":  # no length said: the limit stops the reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"<p>" + b"y" * 10_000 + b"</p>")
        elif self.path == "/slow":
            time.sleep(3)
            self._send(200, "text/html", b"<h2>Late?</h2><p>Yes.</p>")
        elif self.path == "/pdf":
            self._send(200, "application/pdf", b"%PDF-1.4")
        else:
            self._send(404, "text/html", b"not here")

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hung up on purpose (a page over the size limit)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = _QuietServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_is_fetched_by_its_address_and_keeps_its_final_address(site: str) -> None:
    faq = read_source(f"{site}/old-faq")
    assert faq.url == f"{site}/faq"
    assert faq.entries[0].question == "What checks happen before the infusion starts?"
    assert faq.source == f"{site}/old-faq"


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/missing", "the site answered 404"),
        ("/pdf", r"is not a web page \(application/pdf\)"),
        ("/huge", "is larger than"),
        ("/endless", "is larger than"),
        ("/to-a-file", "redirects to an address that is not a web page"),
    ],
)
def test_pages_that_cannot_be_fetched_are_refused_plainly(site: str, path: str, says: str) -> None:
    with pytest.raises(ImportRefused, match=says):
        fetch_page(f"{site}{path}", timeout=10, max_bytes=200_000)


def test_a_server_that_does_not_answer_in_time_is_given_up(site: str) -> None:
    with pytest.raises(ImportRefused, match=r"within 0\.5 seconds"):
        fetch_page(f"{site}/slow", timeout=0.5)


def test_a_closed_port_and_a_non_web_address_are_refused(site: str) -> None:
    with pytest.raises(ImportRefused, match="cannot reach"):
        fetch_page("http://127.0.0.1:1/faq")
    with pytest.raises(ImportRefused, match="not a web address"):
        fetch_page("ftp://127.0.0.1/faq")
