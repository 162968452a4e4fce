"""End to end in real headless Chromium (Debian's), driven by Playwright.

Needs /usr/bin/chromium (`python3 dev.py test` installs it). Without it these tests are skipped
on a developer's machine and fail in CI (CI=true), so CI never passes without them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.sample_site import free_port, sample_site, serve
from tests.conftest import SHIPPED_KNOWLEDGE
from web.app import create_app
from web.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing in CI: .ci/run must install it", pytrace=False)
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import (  # noqa: E402
    Browser,
    Locator,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

pytestmark = pytest.mark.browser
# Playwright waits 5 s by default for an expectation to come true. A CI run on a loaded
# two-core machine failed once with `unexpected value "0"`: Playwright's words for a count
# (here of replies, each of which waits on the bot) still 0 when the 5 s ran out. A reply is
# waited for as a visitor would; a real failure still fails, 20 s later.
expect.set_options(timeout=20_000)
ADMIN_TOKEN = "browser-test-admin-token"
FLAGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Sites:
    """The bot, the sample clinic page on another origin embedding its widget, and the same
    page on an origin the bot does not allow to show the chat."""

    bot: str
    clinic: str
    elsewhere: str


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    """The app under uvicorn on a free loopback port, and the sample clinic page (another
    origin: localhost, another port) that the app lets frame it; both in background threads."""
    bot_port, site_port, other_port = free_port(), free_port(), free_port()
    bot, clinic = f"http://127.0.0.1:{bot_port}", f"http://localhost:{site_port}"
    db = tmp_path_factory.mktemp("store") / "store.sqlite3"
    app = create_app(
        Settings(
            knowledge_dir=SHIPPED_KNOWLEDGE,
            db=db,
            rate_limit_per_minute=0,
            frame_ancestors=f"'self' {clinic}",
            admin_token=ADMIN_TOKEN,
        )
    )
    with (
        serve(app, bot_port),
        serve(sample_site(bot), site_port),
        serve(sample_site(bot), other_port),
    ):
        yield Sites(bot, clinic, f"http://localhost:{other_port}")


@pytest.fixture(scope="module")
def base_url(sites: Sites) -> str:
    return sites.bot


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
    yield b
    b.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base_url)
    pg = context.new_page()
    yield pg
    context.close()


def ask(page: Page, question: str) -> None:
    page.fill("#question", question)
    page.keyboard.press("Enter")


def test_ask_how_ketamine_works_shows_cited_passage_disclaimer_and_contact(page: Page) -> None:
    page.goto("/")
    ask(page, "how does ketamine work?")
    reply = page.locator("#log .msg.bot").last
    expect(reply).to_have_attribute("data-kind", "answer")
    expect(reply.locator("blockquote").first).to_contain_text("N-methyl-D-aspartate (NMDA)")
    link = reply.locator("figcaption a").first
    expect(link).to_have_attribute(
        "href", "/sources/understanding-ketamine-infusions#glutamate-nmda"
    )
    expect(reply.locator(".contact")).to_contain_text("contact our clinical team")
    expect(page.locator("footer .disclaimer")).to_contain_text("not medical advice")
    expect(page.locator("#question")).to_be_focused()
    expect(page.locator("#question")).to_have_value("")
    expect(page.locator("#status")).to_be_hidden()
    assert page.url.endswith("/")  # no reload: the reply was appended by the script


def test_citation_opens_the_passage_highlighted_in_a_new_tab_and_the_chat_stays(
    page: Page,
) -> None:
    page.goto("/")
    ask(page, "what is BDNF")
    reply = page.locator("#log .msg.bot").last
    expect(reply).to_have_attribute("data-kind", "answer")
    with page.context.expect_page() as opened:
        reply.locator("figcaption a").first.click()
    source = opened.value
    source.wait_for_load_state()
    target = source.locator(".source-passage:target")
    expect(target).to_have_attribute("id", "bdnf-neuroplasticity")
    assert target.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    source.close()
    expect(page.locator("#log .msg.bot")).to_have_count(1)  # the chat tab is as it was
    # Following a link in the same tab and coming back keeps the conversation too.
    page.goto("/sources/understanding-ketamine-infusions#bdnf-neuroplasticity")
    page.go_back()
    expect(page.locator("#log .msg.visitor")).to_have_text(["You askedwhat is BDNF"])
    expect(page.locator("#log .msg.bot blockquote").first).to_contain_text("BDNF")


def test_crisis_reply_is_distinct_with_tap_to_call_and_text(page: Page) -> None:
    page.goto("/")
    ask(page, "I don't see the point in living anymore")
    reply = page.locator("#log .msg.kind-crisis")
    expect(reply).to_be_visible()
    expect(reply.locator("a[href='tel:988']")).to_be_visible()
    expect(reply.locator("a[href='sms:988']")).to_be_visible()
    expect(reply.locator(".passage")).to_have_count(0)
    expect(reply.locator(".contact")).to_have_count(0)


def test_suggestion_button_asks_that_question(page: Page) -> None:
    page.goto("/")
    first = page.locator(".starters button.suggestion").first
    text = first.inner_text()
    first.click()
    expect(page.locator("#log .msg.visitor").last).to_contain_text(text)
    expect(page.locator("#log .msg.bot")).to_have_count(1)


def test_empty_question_shows_an_inline_note_and_counter_counts(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    page.focus("#question")
    page.keyboard.press("Enter")
    expect(page.locator("#note")).to_contain_text("type a question")
    page.fill("#question", "hello")
    expect(page.locator("#count")).to_have_text("5 / 500 characters")


def test_typed_markup_is_shown_as_text(page: Page) -> None:
    page.goto("/")
    ask(page, "<img src=x onerror=alert(1)> ketamine")
    expect(page.locator("#log .msg.visitor").last).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.locator("#log img")).to_have_count(0)


def test_helpful_vote_is_sent_and_acknowledged(page: Page) -> None:
    page.goto("/")
    ask(page, "what is BDNF")
    reply = page.locator("#log .msg.bot").last
    reply.locator(".feedback button", has_text="No").click()
    expect(reply.locator(".feedback .thanks")).to_have_text("Thank you for your feedback.")


def test_conversation_survives_a_reload_and_clear_conversation_wipes_it(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#clear")).to_be_hidden()
    ask(page, "what is BDNF")
    expect(page.locator("#log .msg.bot")).to_have_count(1)
    page.locator("#log .msg.bot .feedback button", has_text="Yes").click()
    expect(page.locator("#log .feedback .thanks")).to_be_visible()
    ask(page, "Can ketamine help with PTSD?")
    expect(page.locator("#log .msg.bot")).to_have_count(2)
    page.reload()
    expect(page.locator("#log .msg.bot")).to_have_count(2)
    expect(page.locator("#log .msg.visitor").last).to_contain_text("Can ketamine help with PTSD?")
    expect(page.locator("#log .msg.bot").first.locator(".feedback .thanks")).to_be_visible()
    expect(page.locator(".starters")).to_be_hidden()
    stored = page.evaluate("sessionStorage.getItem('faqbot-conversation')")
    assert "PTSD" in stored
    page.locator("#clear button").click()
    expect(page.locator("#log .msg")).to_have_count(0)
    expect(page.locator(".starters")).to_be_visible()
    expect(page.locator("#clear")).to_be_hidden()
    expect(page.locator("#question")).to_be_focused()
    assert page.evaluate("sessionStorage.getItem('faqbot-conversation')") is None
    page.reload()
    expect(page.locator("#log .msg")).to_have_count(0)
    # Another tab starts with an empty conversation: nothing is kept beyond the tab.
    other = page.context.new_page()
    other.goto("/")
    expect(other.locator("#log .msg")).to_have_count(0)


@pytest.mark.parametrize("javascript", [True, False])  # False: the form's own round trip
def test_further_passages_are_folded_under_more_from_our_articles(
    browser: Browser, base_url: str, javascript: bool
) -> None:
    context = browser.new_context(java_script_enabled=javascript, base_url=base_url)
    page = context.new_page()
    page.goto("/")
    page.fill("#question", "Can ketamine help with PTSD?")
    page.click("form#ask button[type=submit]")
    reply = page.locator("#log .msg.bot")
    expect(reply).to_have_attribute("data-kind", "answer")
    expect(reply.locator(":scope > figure.passage")).to_have_count(1)
    expect(reply.locator(":scope > figure.passage blockquote")).to_be_visible()
    expect(reply.locator(":scope > figure.passage blockquote")).to_contain_text("PTSD")
    more = reply.locator("details.more")
    expect(more).not_to_have_attribute("open", "")
    hidden = more.locator("figure.passage")
    assert hidden.count() >= 1
    expect(hidden.first).to_be_hidden()
    more.locator("summary").click()
    expect(hidden.first).to_be_visible()
    texts = reply.locator("blockquote").all_inner_texts()
    assert len(texts) == len(set(texts))
    actions = reply.locator(".contact a.action")
    expect(actions).to_have_text(["Call", "E-mail", "Book a consultation (opens in a new tab)"])
    tops = {round(a.bounding_box()["y"]) for a in actions.all()}
    assert len(tops) == 1  # call / e-mail / book on one line
    context.close()


def test_spanish_message_gets_the_spanish_note_and_contact(page: Page) -> None:
    page.goto("/")
    ask(page, "¿La ketamina ayuda con la depresión?")
    reply = page.locator("#log .msg.bot").last
    expect(reply).to_have_attribute("lang", "es")
    expect(reply.locator(".message")).to_contain_text("solo responde en inglés")
    expect(reply.locator(".contact a.action").first).to_have_text("Llamar")
    expect(reply.locator(".passage")).to_have_count(0)


# A check-in over the shipped knowledge: a staff crisis phrase ("no way out") beside a question
# (`bot.safety.RULES`: the phrase checks in), and the same said in Spanish (the classifier is
# unsure of it). What each holds back: an answer, and the note in Spanish.
CHECK_IN = "lately I feel there is no way out. how does ketamine work?"
CHECK_IN_ES = "últimamente no le veo salida a nada. ¿cuánto cuesta la ketamina?"
SAFE = "I'm safe — show me the answer"


def no_serious_axe_violations(page: Page, what: str) -> None:
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], (what, [(v["id"], v["help"], v["nodes"][0]["target"]) for v in bad])


def expect_check_in(log: Locator, button: str = SAFE) -> Locator:
    """The check-in: crisis resources first, then the "I'm safe" button; no answer yet."""
    reply = log.locator(".msg.bot").last
    expect(reply).to_have_attribute("data-level", "check_in")
    expect(reply.locator(".message")).to_be_visible()
    resources = reply.locator(".resources a[href='tel:988']")
    expect(resources).to_be_visible()
    safe = reply.get_by_role("button", name=button)
    expect(safe).to_be_visible()
    resources_box, safe_box = resources.bounding_box(), safe.bounding_box()
    assert resources_box is not None and safe_box is not None
    assert resources_box["y"] < safe_box["y"]  # resources first
    assert safe_box["height"] >= 44
    expect(reply.locator(".passage, .contact")).to_have_count(0)
    return reply


def expect_revealed(log: Locator, said: str = "I'm safe") -> Locator:
    """After "I'm safe": the check-in without its button, the visitor's answer, then the reply
    it held back, without a vote (a vote would be stored)."""
    expect(log.locator(".check-in")).to_have_count(0)
    expect(log.locator(".msg.visitor").last).to_contain_text(said)
    held = log.locator(".msg.bot").last
    expect(held).not_to_have_attribute("data-level", "check_in")
    expect(held.locator(".feedback")).to_have_count(0)
    return held


def test_check_in_with_javascript_shows_resources_first_then_the_held_answer(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(base_url=base_url, bypass_csp=True)  # axe is injected
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/" in r.url else None)
    page.goto("/")
    ask(page, CHECK_IN)
    log = page.locator("#log")
    expect(log).to_have_attribute("aria-live", "polite")  # replies are announced
    reply = expect_check_in(log)
    expect(reply.locator(".who")).to_have_text("Checking in with you")
    assert asked == [f"{base_url}/api/ask"]
    no_serious_axe_violations(page, "check-in")
    reply.get_by_role("button", name=SAFE).click()
    held = expect_revealed(log)
    expect(held).to_have_attribute("data-kind", "answer")
    expect(held.locator("blockquote").first).to_contain_text("NMDA")
    expect(page.locator("#question")).to_be_focused()
    assert asked == [f"{base_url}/api/ask"]  # the held reply came with the check-in
    no_serious_axe_violations(page, "check-in answered")
    page.reload()  # the tab keeps the conversation as it was left
    expect(log.locator(".msg.bot")).to_have_count(2)
    expect_revealed(log)
    context.close()


def test_check_in_without_javascript_posts_safe_and_shows_the_held_answer(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=base_url)
    page = context.new_page()
    page.goto("/")
    page.fill("#question", CHECK_IN)
    page.click("form#ask button[type=submit]")
    log = page.locator("#log")
    reply = expect_check_in(log)
    reply.get_by_role("button", name=SAFE).click()
    held = expect_revealed(log)
    expect(held).to_have_attribute("data-kind", "answer")
    expect(held.locator("blockquote").first).to_contain_text("NMDA")
    expect(log.locator(".msg.visitor").first).to_contain_text(CHECK_IN)
    expect(log.locator(".msg.bot").first.locator(".resources a[href='tel:988']")).to_be_visible()
    context.close()


def test_check_in_pages_rendered_for_the_form_are_axe_clean(
    browser: Browser, base_url: str
) -> None:
    """axe needs JavaScript to run (with it off, it never finishes): the pages the server renders
    for the no-JavaScript form, in a browser that does not load the chat's own script."""
    context = browser.new_context(base_url=base_url, bypass_csp=True)  # axe is injected
    page = context.new_page()
    page.route("**/static/chat.js", lambda route: route.abort())
    page.goto("/")
    page.fill("#question", CHECK_IN)
    page.click("form#ask button[type=submit]")
    log = page.locator("#log")
    reply = expect_check_in(log)
    expect(reply.locator("form.check-in button[type=submit]")).to_have_attribute("value", "1")
    no_serious_axe_violations(page, "check-in from the form")
    reply.get_by_role("button", name=SAFE).click()
    expect_revealed(log)
    no_serious_axe_violations(page, "held answer from the form")
    context.close()


def test_spanish_check_in_reads_in_spanish(page: Page) -> None:
    page.goto("/")
    ask(page, CHECK_IN_ES)
    log = page.locator("#log")
    reply = expect_check_in(log, "Estoy a salvo — muéstreme la respuesta")
    expect(reply).to_have_attribute("lang", "es")
    expect(reply.locator(".who")).to_have_text("Queremos saber cómo está")
    expect(reply.locator(".message")).to_contain_text("¿está a salvo ahora mismo?")
    reply.get_by_role("button", name="Estoy a salvo — muéstreme la respuesta").click()
    held = expect_revealed(log, "Estoy a salvo")
    expect(held).to_have_attribute("lang", "es")
    expect(held.locator(".contact a.action").first).to_have_text("Llamar")


def test_dark_mode_follows_the_system_setting(browser: Browser, base_url: str) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, base_url=base_url, bypass_csp=True)
        page = context.new_page()
        page.goto("/")
        ask(page, "how does ketamine work?")
        expect(page.locator("#log .msg.bot")).to_have_count(1)
        colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        results = Axe().run(page, options={"runOnly": ["color-contrast"]})
        assert results.response["violations"] == [], scheme
        context.close()
    assert colours == {"light": "rgb(255, 255, 255)", "dark": "rgb(21, 25, 30)"}


def test_typing_indicator_shows_while_a_reply_is_on_its_way(page: Page) -> None:
    page.goto("/")
    page.route("**/api/ask", lambda route: (page.wait_for_timeout(600), route.continue_()))
    ask(page, "what is BDNF")
    expect(page.locator("#status")).to_be_visible()
    expect(page.locator("#status .dots span")).to_have_count(3)
    expect(page.locator("#status")).to_contain_text("typing")
    expect(page.locator("#log .msg.bot")).to_have_count(1)
    expect(page.locator("#status")).to_be_hidden()


def widget_parts(page: Page) -> tuple[Locator, Locator]:
    """The launcher button and the panel (Playwright's CSS sees into the open shadow root)."""
    return page.locator("#faqbot-widget .launcher"), page.locator("#faqbot-widget .panel")


def deep_focus(page: Page) -> str:
    """The class of the focused element inside the widget's shadow root ("" if none)."""
    return str(
        page.evaluate(
            "() => { const r = document.getElementById('faqbot-widget').shadowRoot;"
            " return r.activeElement ? r.activeElement.className : ''; }"
        )
    )


def test_widget_on_another_origin_opens_answers_closes_and_returns_focus(
    browser: Browser, sites: Sites
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(sites.clinic)
    launcher, panel = widget_parts(page)
    expect(launcher).to_contain_text("Colorado Ketamine")
    assert launcher.evaluate("e => getComputedStyle(e).position") == "fixed"  # styled despite CSP
    box = launcher.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    expect(panel).to_be_hidden()
    launcher.click()
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "dialog")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    close = panel.locator(".close")
    close_box = close.bounding_box()
    assert close_box is not None and close_box["height"] >= 44 and close_box["width"] >= 44
    chat = page.frame_locator("#faqbot-widget iframe")
    expect(chat.locator("#question")).to_be_focused()  # focus moved into the chat
    page.keyboard.type("how does ketamine work?")
    page.keyboard.press("Enter")
    expect(chat.locator("#log .msg.bot")).to_have_attribute("data-kind", "answer")
    expect(chat.locator("#log .msg.bot blockquote").first).to_contain_text("NMDA")
    page.keyboard.press("Escape")  # pressed inside the chat's frame
    expect(panel).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert deep_focus(page) == "launcher"
    launcher.click()  # reopened: the conversation is still there
    expect(chat.locator("#log .msg.bot")).to_have_count(1)
    close.click()
    expect(panel).to_be_hidden()
    assert deep_focus(page) == "launcher"
    launcher.click()
    page.reload()  # open stays open for the tab
    launcher, panel = widget_parts(page)
    expect(panel).to_be_visible()
    expect(chat.locator("#question")).to_be_visible()
    close = panel.locator(".close")
    close.focus()
    page.keyboard.press("Escape")  # pressed on the clinic's page, inside the panel
    expect(panel).to_be_hidden()
    assert deep_focus(page) == "launcher"
    page.reload()
    expect(widget_parts(page)[1]).to_be_hidden()  # closed stays closed
    # The clinic's page keeps only whether the panel is open, never what the visitor typed.
    kept = page.evaluate("Object.keys(sessionStorage)")
    assert kept == ["faqbot-widget-open"], kept
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not [p for p in problems if "Error" in p], problems
    context.close()


def test_the_panel_names_the_clinic_once_in_full(browser: Browser, sites: Sites) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(sites.clinic)
    launcher, panel = widget_parts(page)
    launcher.click()
    title = panel.locator(".title")
    expect(title).to_have_text("Colorado Ketamine")
    assert title.evaluate("e => e.scrollWidth <= e.clientWidth")  # not cut short
    chat = page.frame_locator("#faqbot-widget iframe")
    expect(chat.locator("#question")).to_be_visible()
    assert "Colorado Ketamine" not in chat.locator("body").inner_text()
    expect(chat.locator(".crisis-link")).to_be_visible()
    context.close()


def test_on_a_site_not_allowed_the_panel_says_so_and_which_setting_allows_it(
    browser: Browser, sites: Sites
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(sites.elsewhere)
    launcher, panel = widget_parts(page)
    launcher.click()
    refused = panel.locator(".refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text(f"does not allow this site ({sites.elsewhere})")
    expect(refused.locator("code")).to_have_text("FAQBOT_FRAME_ANCESTORS")
    expect(refused.locator("a")).to_have_attribute("href", f"{sites.bot}/")
    expect(panel.locator("iframe")).to_have_count(0)  # no broken frame
    # No frame for the browser to refuse ("Refused to frame ... frame-ancestors").
    assert not [p for p in problems if "Refused" in p], problems
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    context.close()


def test_widget_conversation_survives_a_reload_where_the_chat_may_keep_it(
    playwright: Playwright, sites: Sites, tmp_path: Path
) -> None:
    """In a normal Chromium profile that allows the chat's frame its own storage (Playwright's
    throwaway contexts block third-party storage, like a private window: there the conversation
    lasts as long as the page, and nothing is put into the clinic's page instead)."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    preferences = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=str(CHROMIUM), args=FLAGS
    )
    page = context.new_page()
    page.goto(sites.clinic)
    widget_parts(page)[0].click()
    chat = page.frame_locator("#faqbot-widget iframe")
    chat.locator("#question").fill("what is BDNF")
    chat.locator("#question").press("Enter")
    expect(chat.locator("#log .msg.bot")).to_have_attribute("data-kind", "answer")
    page.reload()
    expect(widget_parts(page)[1]).to_be_visible()
    expect(chat.locator("#log .msg.bot")).to_have_count(1)
    expect(chat.locator("#log .msg.visitor")).to_contain_text("what is BDNF")
    assert page.evaluate("Object.keys(sessionStorage)") == ["faqbot-widget-open"]
    context.close()


def test_check_in_inside_the_widget(browser: Browser, sites: Sites) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(sites.clinic)
    launcher = widget_parts(page)[0]
    launcher.click()
    chat = page.frame_locator("#faqbot-widget iframe")
    expect(chat.locator("#question")).to_be_focused()
    page.keyboard.type(CHECK_IN)
    page.keyboard.press("Enter")
    log = chat.locator("#log")
    reply = expect_check_in(log)
    reply.get_by_role("button", name=SAFE).focus()
    page.keyboard.press("Enter")  # a real button: the keyboard works it
    held = expect_revealed(log)
    expect(held.locator("blockquote").first).to_contain_text("NMDA")
    expect(chat.locator("#question")).to_be_focused()
    context.close()


def sign_in_and_fill_the_report(page: Page) -> None:
    for question in ("how does ketamine work?", "do you take insurance", "what is the weather"):
        page.request.post("/api/ask", data={"question": question})
    page.request.post(
        "/api/feedback", data={"passages": ["glutamate-nmda"], "helpful": False, "question": "hm"}
    )
    page.goto("/admin")
    page.fill("#token", ADMIN_TOKEN)
    page.click("form[action='/admin/login'] button")
    expect(page.locator("h2#s-title")).to_be_visible()


@pytest.mark.parametrize("width", [320, 1280])
def test_axe_finds_no_serious_or_critical_violations(
    browser: Browser, sites: Sites, width: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, base_url=sites.bot, bypass_csp=True
    )  # axe is injected as a script
    page = context.new_page()

    def check(what: str) -> None:
        results = Axe().run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], (what, [(v["id"], v["help"], v["nodes"][0]["target"]) for v in bad])
        assert page.evaluate("document.documentElement.scrollWidth") <= width, what

    page.goto("/")
    ask(page, "Can ketamine help with PTSD?")
    expect(page.locator("#log .msg.bot")).to_have_count(1)
    page.locator("#log details.more summary").click()
    ask(page, "I want to die")
    expect(page.locator("#log .kind-crisis")).to_have_count(1)
    ask(page, CHECK_IN)
    expect(page.locator("#log .check-in button")).to_be_visible()
    check("chat")
    page.goto("/embed")
    check("embedded chat")
    for url in ("/sources/understanding-ketamine-infusions", "/nowhere"):
        page.goto(url)
        check(url)
    page.goto(sites.clinic)
    launcher = widget_parts(page)[0]
    check("clinic page, widget closed")
    launcher.click()
    expect(page.frame_locator("#faqbot-widget iframe").locator("#question")).to_be_visible()
    check("clinic page, widget open")
    sign_in_and_fill_the_report(page)
    check("staff page")
    context.close()
