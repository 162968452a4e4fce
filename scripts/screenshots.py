"""Screenshots of the running app for docs/screenshots/, taken in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts the chat over the shipped knowledge (with a throwaway store and staff token) and the
sample clinic page of scripts/sample_site.py on another origin, asks a few questions, and saves:
the chat on a phone (390 px) and a desktop (1280 px), light and dark; the widget open on the
sample page; the staff page on a phone. Needs /usr/bin/chromium and the dev dependencies.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's `web` and `scripts`, not an installed copy

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from scripts.sample_site import free_port, sample_site, serve  # noqa: E402
from web.app import create_app  # noqa: E402
from web.settings import Settings  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--hide-scrollbars"]
QUESTIONS = ("How does ketamine work?", "Can ketamine help with PTSD?")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def ask(page: Page, question: str) -> None:
    """Ask in the chat and wait for the reply."""
    before = page.locator("#log .msg.bot").count()
    page.fill("#question", question)
    page.keyboard.press("Enter")
    expect(page.locator("#log .msg.bot")).to_have_count(before + 1)


def main() -> int:
    """Take every screenshot into --out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    bot_port, site_port = free_port(), free_port()
    bot, clinic = f"http://127.0.0.1:{bot_port}", f"http://localhost:{site_port}"
    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(
            Settings(
                knowledge_dir=ROOT / "knowledge",
                db=Path(scratch) / "store.sqlite3",
                frame_ancestors=f"'self' {clinic}",
                admin_token=token,
                rate_limit_per_minute=0,
                reload_interval=0,
            )
        )
        with (
            serve(app, bot_port),
            serve(sample_site(bot), site_port),
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for size_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                for scheme in ("light", "dark"):
                    context = browser.new_context(
                        viewport=viewport, color_scheme=scheme, base_url=bot
                    )
                    page = context.new_page()
                    page.goto("/")
                    for question in QUESTIONS:
                        ask(page, question)
                    page.locator("#log .msg.visitor").last.scroll_into_view_if_needed()
                    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                    page.screenshot(path=out / f"chat-{size_name}-{scheme}.png")
                    context.close()
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(clinic)
            page.locator("#faqbot-widget .launcher").click()
            frame = page.frame_locator("#faqbot-widget iframe")
            frame.locator("#question").fill(QUESTIONS[0])
            frame.locator("#question").press("Enter")
            expect(frame.locator("#log .msg.bot")).to_have_count(1)
            page.screenshot(path=out / "widget-open.png")
            context.close()
            context = browser.new_context(viewport=PHONE, base_url=bot)
            page = context.new_page()
            for question in ("do you take insurance", "how much does it cost", QUESTIONS[0]):
                page.request.post("/api/ask", data={"question": question})
            page.request.post(
                "/api/feedback",
                data={"passages": ["glutamate-nmda"], "helpful": True, "question": ""},
            )
            app.state.recorder.flush()
            page.goto("/admin")
            page.fill("#token", token)
            page.click("form[action='/admin/login'] button")
            page.locator("#s-title").scroll_into_view_if_needed()
            page.screenshot(path=out / "staff-phone.png", full_page=True)
            context.close()
            browser.close()
    for shot in sorted(out.glob("*.png")):
        print(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
