"""`faqbot import` on web pages: the questions and answers of each FAQ shape site builders make,
nothing from the navigation, banners, sidebars and footers around them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.importing.faq import Faq, ImportRefused
from bot.importing.page import faq_from_html

PAGES = Path(__file__).resolve().parent / "data" / "import"

# page -> (title, site name, url, [(section, question), ...] in the page's order)
EXPECTED: dict[str, tuple[str, str, str, list[tuple[str, str]]]] = {
    "wordpress-blocks.html": (
        "Patient FAQ",
        "Peak Valley Wellness",
        "https://www.peakvalley.example/patient-faq/",
        [
            ("Before your visit", "What paperwork do I fill in before my first visit?"),
            ("Before your visit", "Should I stop eating before an appointment?"),
            ("At the clinic", "Can I bring someone with me to my appointment?"),
            ("At the clinic", "Where do I park when I arrive?"),
            ("At the clinic", "How long will I be at the clinic?"),
            ("Afterwards", "Who takes me home afterwards?"),
        ],
    ),
    "wordpress-rank-math.html": (
        "Infusion Questions",
        "Pinecrest Ketamine Therapy",
        "https://pinecrest-therapy.example/infusion-questions/",
        [
            ("Medical checks", "Why do you ask for a blood pressure reading from my doctor?"),
            ("Medical checks", "Will you talk to my therapist before I start?"),
            ("Comfort", "Is the treatment room warm enough?"),
            ("Comfort", "Can the lights be dimmed during my infusion?"),
        ],
    ),
    "elementor.html": (
        "Frequently Asked Questions",
        "Summit Mind Clinic",
        "",
        [
            ("Getting started", "Do I need a letter from my psychiatrist to start?"),
            ("Getting started", "How soon can I get a first appointment?"),
            ("During treatment", "Can I listen to my own music during the session?"),
            ("During treatment", "Is my phone allowed in the treatment room?"),
            ("During treatment", "What should I wear to the clinic?"),
        ],
    ),
    "squarespace.html": (
        "Your questions, answered",
        "Riverbend Infusion Center",
        "https://www.riverbend-infusions.example/questions",
        [
            ("Your questions, answered", q)
            for q in (
                "How is a session at Riverbend different from a hospital visit?",
                "Can I work on the day of my session?",
                "Do you offer sessions in Spanish?",
                "Is the building accessible by wheelchair?",
            )
        ],
    ),
    "wix.html": (
        "Frequently Asked Questions",
        "Front Range Renewal",
        "https://www.frontrangerenewal.example/faq",
        [
            ("Frequently Asked Questions", q)
            for q in (
                "What happens at the consultation call?",
                "How do I prepare my home for the evening after an infusion?",
                "Can I message the care team between sessions?",
                "Do you send reports to my therapist?",
            )
        ],
    ),
    "bootstrap.html": (
        "Frequently asked questions",
        "",
        "",
        [
            ("Your first infusion", "What checks happen before the infusion starts?"),
            ("Your first infusion", "Is there a restroom close to the treatment rooms?"),
            ("Records and privacy", "Who can see my treatment records?"),
            ("Records and privacy", "How do I get a copy of my records?"),
        ],
    ),
    "plain.html": (
        "Ketamine therapy questions",
        "",
        "",
        [
            ("Booking", "Do you see patients on weekends?"),
            ("Booking", "How far ahead do I need to cancel?"),
            ("Booking", "Can I book for a family member?"),
            ("Medicines", "Should I keep taking my other medicines?"),
            ("Words we use", "What is an induction series?"),
            ("Words we use", "What is a maintenance session?"),
        ],
    ),
}
# Text of the surroundings (menus, cookie banners, sidebars, footers), some of it phrased as
# questions on purpose: none of it may end up in an article.
SURROUNDINGS = (
    "cookie",
    "Accept",
    "Recent posts",
    "holidays",
    "Have a question we did not answer",
    "Are you ready to talk",
    "Opening hours",
    "social media",
    "Need directions",
    "feedback",
    "Skip to content",
    "Loading",
    "What is a first visit like",
    "Menu",
    "Sign up",
    "library",
)


def read(name: str) -> Faq:
    return faq_from_html((PAGES / name).read_bytes(), name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_builders_faq_gives_its_questions_in_order_under_its_headings(name: str) -> None:
    title, site, url, questions = EXPECTED[name]
    faq = read(name)
    assert [(e.section, e.question) for e in faq.entries] == questions
    assert (faq.title, faq.site_name, faq.url) == (title, site, url)
    assert all(e.answer for e in faq.entries)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nothing_from_menus_banners_sidebars_or_footers_is_imported(name: str) -> None:
    faq = read(name)
    text = " ".join([e.question for e in faq.entries] + [a for e in faq.entries for a in e.answer])
    leaked = [s for s in SURROUNDINGS if s.lower() in text.lower()]
    assert not leaked, leaked


def answer(faq: Faq, question: str) -> list[str]:
    return next(list(e.answer) for e in faq.entries if e.question == question)


def test_an_answer_keeps_its_paragraphs_and_list_items_as_lines() -> None:
    paperwork = "What paperwork do I fill in before my first visit?"
    assert answer(read("wordpress-blocks.html"), paperwork) == [
        "We e-mail you an intake packet after you book. It asks for:",
        "• your current medicines and doses,",
        "• the name of your primary care provider, and",
        "• a short mental health history.",
        "You can also fill it in on paper when you arrive; please come 20 minutes early if you do.",
    ]
    assert answer(read("plain.html"), "Should I keep taking my other medicines?")[1:] == [
        "1. prescription medicines,",
        "2. supplements and vitamins, and",
        "3. anything you take only when needed.",
    ]


def test_links_keep_their_address_made_absolute_against_the_pages() -> None:
    home = answer(read("wordpress-blocks.html"), "Who takes me home afterwards?")
    assert (
        "See our getting home guide (https://www.peakvalley.example/getting-home/) for" in (home[0])
    )
    portal = answer(read("wix.html"), "Can I message the care team between sessions?")
    assert "our patient portal (https://portal.frontrangerenewal.example)" in portal[0]
    records = answer(read("bootstrap.html"), "How do I get a copy of my records?")
    assert "our records desk (records@mesaclear.example)" in records[0]


def test_a_relative_link_in_a_page_without_an_address_keeps_only_its_text() -> None:
    page = "<main><h2>Where are you?</h2><p>See <a href='/map'>our map</a>.</p></main>"
    assert faq_from_html(page, "saved.html").entries[0].answer == ("See our map.",)


def test_a_bold_question_may_start_the_paragraph_its_answer_continues() -> None:
    assert answer(read("plain.html"), "Should I keep taking my other medicines?")[0] == (
        "Keep taking everything as prescribed unless our physician tells you otherwise at "
        "your consultation. Bring a list of:"
    )


def test_an_answer_of_several_paragraphs_stays_whole_up_to_the_next_question() -> None:
    assert answer(read("plain.html"), "How far ahead do I need to cancel?") == [
        "Please tell us at least 48 hours before your appointment, by phone or by replying to "
        "your reminder e-mail.",
        "Late cancellations are charged a fee, except in an emergency.",
    ]


def test_visible_questions_win_over_fewer_in_json_ld() -> None:
    faq = read("wordpress-rank-math.html")  # its JSON-LD holds one of the four
    assert len(faq.entries) == 4 and faq.shape == "accordion"


def test_json_ld_is_used_when_script_draws_the_questions() -> None:
    faq = read("wix.html")
    assert faq.shape == "JSON-LD"
    assert answer(faq, "How do I prepare my home for the evening after an infusion?") == [
        "Make the evening easy:",
        "• have a simple dinner ready,",
        "• keep the evening free of screens and news, and",
        "• ask someone to stay with you until bedtime.",
    ]


def test_a_category_accordion_gives_its_title_as_the_section_of_the_questions_inside() -> None:
    page = """<main><h1>FAQ</h1>
    <div><button aria-controls="billing">Billing</button>
      <div id="billing">
        <details><summary>Do you send paper invoices?</summary><p>Yes, by post.</p></details>
        <details><summary>Can I pay at the desk?</summary><p>Yes, by card.</p></details>
      </div></div></main>"""
    faq = faq_from_html(page, "nested.html")
    assert [(e.section, e.question, e.answer) for e in faq.entries] == [
        ("Billing", "Do you send paper invoices?", ("Yes, by post.",)),
        ("Billing", "Can I pay at the desk?", ("Yes, by card.",)),
    ]


def test_a_glossary_definition_list_is_not_taken_for_questions() -> None:
    page = "<main><dl><dt>Infusion</dt><dd>A slow drip into a vein.</dd></dl></main>"
    with pytest.raises(ImportRefused):
        faq_from_html(page, "glossary.html")


def test_a_page_without_questions_is_refused_with_a_plain_message() -> None:
    with pytest.raises(ImportRefused) as refused:
        read("about.html")
    message = str(refused.value)
    assert message.startswith("about.html: no questions with answers were found on this page")
    assert "Save Page As" in message


@pytest.mark.parametrize(
    "markup",
    [b"", b"\x00\xff\xfe garbage", b"<html><body><p>Hello</p>", b"<h2>Why?</h2>"],
)
def test_empty_broken_or_unanswered_markup_is_refused_not_a_crash(markup: bytes) -> None:
    with pytest.raises(ImportRefused):
        faq_from_html(markup, "odd.html")


def test_broken_json_ld_is_passed_over() -> None:
    page = (
        '<script type="application/ld+json">{"@type": "FAQPage", </script>'
        "<main><h3>Is there parking?</h3><p>Yes, behind the clinic.</p></main>"
    )
    assert [e.question for e in faq_from_html(page, "x.html").entries] == ["Is there parking?"]
