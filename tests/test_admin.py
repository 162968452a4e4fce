"""/admin: off without a token; 401 without or with a wrong token; the report when signed in;
sessions that expire and end at sign-out in every worker; CSRF tokens; throttled sign-in."""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import secrets
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import ROOT, TINY_ARTICLE
from tests.test_faults import free_port
from web.app import create_app
from web.cli import main
from web.sessions import SignInThrottle, StaffSessions
from web.settings import Settings, token_bits

TOKEN = "correct-horse-battery-staple"
BEARER = {"authorization": f"Bearer {TOKEN}"}


def admin_app(settings: Settings, **overrides: object) -> FastAPI:
    values: dict[str, object] = {
        "knowledge_dir": settings.knowledge_dir,
        "db": settings.db,
        "admin_token": TOKEN,
        **overrides,
    }
    return create_app(Settings(**values))  # type: ignore[arg-type]


@pytest.fixture
def admin_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(admin_app(settings)) as client:
        yield client


def csrf_of(html: str) -> str:
    field = BeautifulSoup(html, "html.parser").select_one("input[name=csrf]")
    assert field is not None
    return str(field["value"])


def sign_in(client: TestClient, token: str = TOKEN) -> str:
    """Sign in through the form as a browser does; returns the session cookie's value."""
    form = client.get("/admin")
    res = client.post(
        "/admin/login", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False
    )
    assert res.status_code == 303, res.text
    return res.cookies["faqbot_admin"]


def test_admin_does_not_exist_without_a_token(client: TestClient) -> None:
    assert client.get("/admin", headers={"accept": "text/html"}).status_code == 404
    assert client.post("/admin/login", data={"token": "x" * 20}).status_code == 404
    assert client.post("/admin/logout").status_code == 404


def test_missing_or_wrong_token_gets_401_and_the_sign_in_form(admin_client: TestClient) -> None:
    res = admin_client.get("/admin")
    assert res.status_code == 401
    assert BeautifulSoup(res.text, "html.parser").select_one("input#token[type=password]")
    data = {"token": "wrong-token-wrong-token", "csrf": csrf_of(res.text)}
    wrong = admin_client.post("/admin/login", data=data)
    assert wrong.status_code == 401 and "not right" in wrong.text
    assert admin_client.get("/admin", headers={"authorization": "Bearer nope"}).status_code == 401
    assert admin_client.post("/admin/reload").status_code == 401


def test_right_token_signs_in_with_a_strict_cookie_and_shows_the_report(
    admin_client: TestClient,
) -> None:
    admin_client.post("/api/ask", json={"question": "what does it cost"})
    admin_client.app.state.recorder.flush()  # type: ignore[attr-defined]
    form = admin_client.get("/admin")
    res = admin_client.post(
        "/admin/login",
        data={"token": TOKEN, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert res.status_code == 303 and res.headers["location"] == "/admin"
    cookie = next(c for c in res.headers.get_list("set-cookie") if c.startswith("faqbot_admin="))
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "max-age=28800" in cookie.lower() and TOKEN not in cookie
    page = admin_client.get("/admin")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    soup = BeautifulSoup(page.text, "html.parser")
    rows = [td.text for td in soup.select("table td")]
    assert "what does it cost" in rows
    assert TOKEN not in page.text


def test_bearer_header_works_for_scripts(admin_client: TestClient) -> None:
    res = admin_client.get("/admin", headers={"authorization": f"Bearer {TOKEN}"})
    assert res.status_code == 200


def test_reload_now_shows_errors_and_keeps_serving(
    admin_client: TestClient, tiny_knowledge: Path
) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    (tiny_knowledge / "articles" / "tiny.md").write_text(TINY_ARTICLE.replace("title: ", "name: "))
    page = admin_client.post("/admin/reload", headers=auth)
    assert "still serving the last good version" in page.text
    assert "tiny.md:" in page.text
    (tiny_knowledge / "articles" / "tiny.md").write_text(TINY_ARTICLE + "\n")
    page = admin_client.post("/admin/reload", headers=auth)
    assert "Loaded a new version" in page.text


def test_reload_now_in_a_browser_leads_back_to_the_page_and_says_what_it_did_once(
    admin_client: TestClient, tiny_knowledge: Path
) -> None:
    sign_in(admin_client)
    (tiny_knowledge / "articles" / "tiny.md").write_text(TINY_ARTICLE + "\n")
    csrf = csrf_of(admin_client.get("/admin").text)
    res = admin_client.post("/admin/reload", data={"csrf": csrf}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/admin"
    page = admin_client.get("/admin")
    assert "Loaded a new version" in page.text
    again = admin_client.get("/admin")  # the browser's reload: a GET, and the note is gone
    assert again.status_code == 200 and "Loaded a new version" not in again.text
    res = admin_client.post("/admin/reload", data={"csrf": csrf})  # followed, as a browser
    assert str(res.url).endswith("/admin") and "No changes" in res.text


def test_the_staff_page_has_no_visitors_crisis_banner_or_disclaimer(
    admin_client: TestClient,
) -> None:
    for page in (admin_client.get("/admin"), admin_client.get("/admin", headers=BEARER)):
        soup = BeautifulSoup(page.text, "html.parser")
        assert soup.select_one("h1") is not None
        assert soup.select(".crisis-link") == [] and soup.select(".disclaimer") == []
    chat = BeautifulSoup(admin_client.get("/").text, "html.parser")
    assert chat.select(".crisis-link") and chat.select(".disclaimer")


# Sessions: a new value at every sign-in, refused after sign-out (in every worker) and expiry.


def test_each_sign_in_gets_a_new_session_and_sign_out_ends_it(admin_client: TestClient) -> None:
    first = sign_in(admin_client)
    admin_client.cookies.clear()
    second = sign_in(admin_client)
    assert first != second
    page = admin_client.get("/admin")
    out = admin_client.post("/admin/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 401  # followed to /admin, signed out
    # The cookie copied before sign-out (curl -b faqbot_admin=...) no longer works...
    admin_client.cookies.set("faqbot_admin", second, path="/admin")
    assert admin_client.get("/admin").status_code == 401
    assert admin_client.post("/admin/reload", data={"csrf": csrf_of(page.text)}).status_code == 401
    # ...while the other session goes on.
    admin_client.cookies.set("faqbot_admin", first, path="/admin")
    assert admin_client.get("/admin").status_code == 200


def test_sign_out_in_one_worker_is_refused_by_another(settings: Settings) -> None:
    """Two apps over one store are two worker processes: all they share is the store."""
    with TestClient(admin_app(settings)) as one, TestClient(admin_app(settings)) as two:
        cookie = sign_in(one)
        two.cookies.set("faqbot_admin", cookie, path="/admin")
        page = two.get("/admin")
        assert page.status_code == 200  # the other worker accepts the session...
        one.post("/admin/logout", data={"csrf": csrf_of(one.get("/admin").text)})
        assert one.get("/admin").status_code == 401
        assert two.get("/admin").status_code == 401  # ...and its sign-out


def test_session_expires_after_the_set_hours(settings: Settings) -> None:
    with TestClient(admin_app(settings, admin_session_hours=2)) as client:
        cookie = next(
            c
            for c in client.post(
                "/admin/login",
                data={"token": TOKEN, "csrf": csrf_of(client.get("/admin").text)},
                follow_redirects=False,
            ).headers.get_list("set-cookie")
            if c.startswith("faqbot_admin=")
        )
        assert "max-age=7200" in cookie.lower()
        sessions: StaffSessions = client.app.state.staff_sessions  # type: ignore[attr-defined]
        sessions.clock = lambda: time.time() + 2 * 3600 - 60
        assert client.get("/admin").status_code == 200
        sessions.clock = lambda: time.time() + 2 * 3600 + 60
        assert client.get("/admin").status_code == 401


def test_a_forged_or_other_install_cookie_is_refused(settings: Settings, tmp_path: Path) -> None:
    with TestClient(admin_app(settings, db=tmp_path / "other.sqlite3")) as other:
        foreign = sign_in(other)  # same token, another install's secret
    with TestClient(admin_app(settings)) as client:
        for value in (foreign, "x", foreign.rsplit(".", 1)[0] + ".AAAA"):
            client.cookies.set("faqbot_admin", value, path="/admin")
            assert client.get("/admin").status_code == 401


def test_changing_the_token_ends_every_session(settings: Settings) -> None:
    with TestClient(admin_app(settings)) as client:
        cookie = sign_in(client)
    with TestClient(admin_app(settings, admin_token=TOKEN + "-rotated")) as client:
        client.cookies.set("faqbot_admin", cookie, path="/admin")
        assert client.get("/admin").status_code == 401


# CSRF: every staff form carries a token tied to the session or the sign-in form.


def test_cross_origin_text_plain_post_to_reload_is_refused(admin_client: TestClient) -> None:
    sign_in(admin_client)
    holder = admin_client.app.state.holder  # type: ignore[attr-defined]
    calls: list[int] = []
    real_reload = holder.reload
    holder.reload = lambda *a: calls.append(1) or real_reload(*a)
    res = admin_client.post(
        "/admin/reload",
        content=b"csrf=anything",
        headers={"content-type": "text/plain", "origin": "https://evil.example"},
    )
    assert res.status_code == 403 and calls == []
    forged = admin_client.post("/admin/reload", data={"csrf": "0" * 64})
    assert forged.status_code == 403 and calls == []
    csrf = csrf_of(admin_client.get("/admin").text)
    good = admin_client.post("/admin/reload", data={"csrf": csrf})
    assert good.status_code == 200 and calls == [1]


def test_sign_out_and_sign_in_need_their_csrf_token(admin_client: TestClient) -> None:
    sign_in(admin_client)
    assert admin_client.post("/admin/logout", data={}).status_code == 403
    assert admin_client.get("/admin").status_code == 200  # still signed in
    admin_client.cookies.clear()
    admin_client.get("/admin")  # sets the form's nonce cookie
    res = admin_client.post("/admin/login", data={"token": TOKEN}, follow_redirects=False)
    assert res.status_code == 403 and "faqbot_admin=" not in res.headers.get("set-cookie", "")
    other_form = TestClient(admin_client.app).get("/admin")  # another browser's form token
    res = admin_client.post("/admin/login", data={"token": TOKEN, "csrf": csrf_of(other_form.text)})
    assert res.status_code == 403


def test_the_session_csrf_token_differs_per_session(admin_client: TestClient) -> None:
    sign_in(admin_client)
    first = csrf_of(admin_client.get("/admin").text)
    admin_client.cookies.clear()
    sign_in(admin_client)
    assert admin_client.post("/admin/reload", data={"csrf": first}).status_code == 403


# Throttling and logging of sign-in attempts.


def test_wrong_tokens_lock_out_that_address_only(settings: Settings) -> None:
    app = admin_app(settings)
    with (
        TestClient(app, client=("203.0.113.9", 5000)) as visitor,
        TestClient(app, client=("198.51.100.7", 5000)) as staff,
    ):
        form = visitor.get("/admin").text
        for _ in range(5):
            data = {"token": "wrong-token-wrong-token", "csrf": csrf_of(form)}
            assert visitor.post("/admin/login", data=data).status_code == 401
        locked = visitor.post("/admin/login", data={"token": TOKEN, "csrf": csrf_of(form)})
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 800
        assert "Too many wrong tokens" in locked.text
        bearer = visitor.get("/admin", headers={"authorization": f"Bearer {TOKEN}"})
        assert bearer.status_code == 429
        assert sign_in(staff)  # staff elsewhere are not locked out


def test_wrong_bearer_tokens_count_towards_the_lock_out(admin_client: TestClient) -> None:
    for _ in range(5):
        res = admin_client.get("/admin", headers={"authorization": "Bearer wrong"})
        assert res.status_code == 401
    res = admin_client.get("/admin", headers={"authorization": f"Bearer {TOKEN}"})
    assert res.status_code == 429


def test_throttle_forgets_after_the_window_and_keeps_bounded_memory() -> None:
    now = [0.0]
    throttle = SignInThrottle(max_failures=3, window_s=60, max_clients=100, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait("a") == 0
        throttle.failed("a")
    assert throttle.wait("a") == 60
    now[0] = 59.5
    assert throttle.wait("a") == 1
    now[0] = 60.0
    assert throttle.wait("a") == 0
    throttle.failed("a")
    throttle.succeeded("a")
    assert throttle.wait("a") == 0
    for i in range(1000):
        throttle.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(throttle) == 100


def test_sign_in_attempts_are_logged_with_address_and_outcome_never_the_token(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="faqbot.admin")
    with TestClient(admin_app(settings), client=("192.0.2.44", 5000)) as client:
        form = client.get("/admin").text
        wrong = {"token": "wrong-guess-wrong-guess", "csrf": csrf_of(form)}
        client.post("/admin/login", data=wrong)
        sign_in(client)
        client.post("/admin/logout", data={"csrf": csrf_of(client.get("/admin").text)})
    lines = [r.getMessage() for r in caplog.records if r.name == "faqbot.admin"]
    assert any("192.0.2.44" in m and "wrong token" in m for m in lines)
    assert any("192.0.2.44" in m and "accepted" in m for m in lines)
    assert any("192.0.2.44" in m and "sign-out" in m for m in lines)
    assert not any(TOKEN in m or "wrong-guess" in m for m in caplog.text.splitlines())


def test_unreachable_store_refuses_sign_in_plainly(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    app = admin_app(settings, db=tmp_path / "not-a-folder" / "store.sqlite3")
    with TestClient(app, raise_server_exceptions=False) as client:
        res = client.get("/admin")
        assert res.status_code == 503 and "cannot be reached" in res.text
        assert client.get("/admin", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200


# The token itself.


@pytest.mark.parametrize(
    "weak",
    ["short", "a" * 16, "abababababababab", "abcdefghijklmnop", "password12345678", "1" * 40],
)
def test_weak_admin_token_is_refused_at_start_with_a_plain_message(
    tiny_knowledge: Path, weak: str
) -> None:
    with pytest.raises(ValueError, match="too easy to guess") as info:
        Settings(knowledge_dir=tiny_knowledge, admin_token=weak)
    assert "secrets.token_urlsafe(32)" in str(info.value)


@pytest.mark.parametrize("hours", ["0", "-1", "721", "soon"])
def test_a_bad_session_length_is_refused_at_start(hours: str) -> None:
    with pytest.raises(ValueError, match="admin_session_hours"):
        Settings(admin_session_hours=hours)  # type: ignore[arg-type]


def test_generated_tokens_are_accepted() -> None:
    for _ in range(200):
        assert token_bits(secrets.token_urlsafe(16)) >= 64  # what the docs suggest, halved
    assert token_bits(TOKEN) >= 64


def test_serve_with_a_weak_token_exits_1_without_printing_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tiny_knowledge: Path
) -> None:
    monkeypatch.setenv("FAQBOT_ADMIN_TOKEN", "aaaaaaaaaaaaaaaa")
    monkeypatch.setenv("FAQBOT_KNOWLEDGE_DIR", str(tiny_knowledge))
    assert main(["serve"]) == 1
    err = capsys.readouterr().err
    assert "FAQBOT_ADMIN_TOKEN" in err and "too easy to guess" in err
    assert "aaaaaaaaaaaaaaaa" not in err


# The same across real worker processes.


def _request(port: int, method: str, path: str, cookies: dict[str, str], body: str = "") -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body:
        headers["content-type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body or None, headers=headers)
    res = conn.getresponse()
    res.text = res.read().decode()
    for header in res.headers.get_all("set-cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        cookies[name] = value
    conn.close()
    return res


def test_sign_in_and_sign_out_hold_across_two_worker_processes(
    tmp_path: Path, tiny_knowledge: Path
) -> None:
    """16 connections reach both workers but for a chance of 2 in 65,536 (SO_REUSEPORT
    hashes each connection to a worker): all accept the session before sign-out, none after."""
    port = free_port()
    env = {
        **os.environ,
        "FAQBOT_DB": str(tmp_path / "store.sqlite3"),
        "FAQBOT_KNOWLEDGE_DIR": str(tiny_knowledge),
        "FAQBOT_ADMIN_TOKEN": TOKEN,
        "FAQBOT_RELOAD_INTERVAL": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if _request(port, "GET", "/api/health", {}).status == 200:
                    break
            time.sleep(0.2)
        cookies: dict[str, str] = {}
        form = _request(port, "GET", "/admin", cookies)
        body = urllib.parse.urlencode({"token": TOKEN, "csrf": csrf_of(form.text)})
        assert _request(port, "POST", "/admin/login", cookies, body).status == 303
        session = dict(cookies)
        assert [_request(port, "GET", "/admin", dict(session)).status for _ in range(16)] == [
            200
        ] * 16
        page = _request(port, "GET", "/admin", cookies)
        body = urllib.parse.urlencode({"csrf": csrf_of(page.text)})
        assert _request(port, "POST", "/admin/logout", cookies, body).status == 303
        assert [_request(port, "GET", "/admin", dict(session)).status for _ in range(16)] == [
            401
        ] * 16
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_report_is_in_plain_words_with_passages_by_section_title(
    admin_client: TestClient,
) -> None:
    admin_client.post("/api/ask", json={"question": "how does ketamine work"})
    admin_client.post("/api/ask", json={"question": "what does it cost"})
    admin_client.post(
        "/api/feedback",
        json={"passages": ["tiny-nmda"], "helpful": False, "question": "how does ketamine work"},
    )
    admin_client.app.state.recorder.flush()  # type: ignore[attr-defined]
    page = admin_client.get("/admin", headers={"authorization": f"Bearer {TOKEN}"})
    soup = BeautifulSoup(page.text, "html.parser")
    cells = [td.text.strip() for td in soup.select("table td")]
    assert "Answered" in cells and "Not covered" in cells
    assert not {"answer", "no_answer", "tiny-nmda"} & set(cells)
    assert "marked “not helpful”" in cells
    link = soup.select_one("td[data-label=Passage] a")
    assert link.text == "How does it work?" and link["href"] == "/sources/tiny#tiny-nmda"
    assert "Tiny Article" in link.parent.text
    assert all(t.get("class") == ["cards"] for t in soup.select("table"))
    assert all(td.has_attr("data-label") for td in soup.select("td:not([colspan])"))
