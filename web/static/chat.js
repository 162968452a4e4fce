// Progressive enhancement for the chat: questions go to the JSON API and replies are appended
// without a reload. Without this file the form posts to the server, which renders the reply.
// All visitor and knowledge text is inserted with textContent, never as HTML.
// The conversation is kept in this tab's sessionStorage only (never on the server), so it
// survives reloads and following a link; "Clear conversation" wipes it.
// A check-in (a crisis reply the bot is not sure of) carries the reply it held back (`held`):
// "I'm safe" shows it from there, with no second request, and no vote is offered on it (a vote
// would be stored).
(function () {
  "use strict";
  const form = document.getElementById("ask");
  const log = document.getElementById("log");
  if (!form || !log || !window.fetch) return;
  const input = document.getElementById("question");
  const note = document.getElementById("note");
  const count = document.getElementById("count");
  const status = document.getElementById("status");
  const clear = document.getElementById("clear");
  const cleared = document.getElementById("cleared");
  const max = parseInt(input.dataset.max || "500", 10);
  const KEY = "faqbot-conversation";
  const KEEP = 40; // exchanges kept in the tab
  let busy = false;

  const ES = {
    crisis: "Busque ayuda ahora", fine: "No es consejo médico.", call: "Llamar",
    book: "Reservar", bookHidden: " una consulta (se abre en una pestaña nueva)",
    checkIn: "Queremos saber cómo está", safe: "Estoy a salvo — muéstreme la respuesta",
    said: "Estoy a salvo",
  };
  const EN = {
    crisis: "Please reach out now", checkIn: "Checking in with you",
    safe: "I'm safe — show me the answer", said: "I'm safe",
  };

  function load() {
    try {
      const data = JSON.parse(sessionStorage.getItem(KEY) || "[]");
      return Array.isArray(data) ? data : [];
    } catch (e) {
      return [];
    }
  }

  function save(items) {
    try {
      sessionStorage.setItem(KEY, JSON.stringify(items.slice(-KEEP)));
    } catch (e) { /* storage full or blocked: the conversation just won't survive a reload */ }
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hiddenText(text) {
    return el("span", { class: "visually-hidden" }, text);
  }

  function showNote(text) {
    note.textContent = text;
    note.hidden = !text;
  }

  function updateCount() {
    count.textContent = input.value.length + " / " + max + " characters";
  }

  function suggestionList(items) {
    const ul = el("ul");
    items.forEach((s) => {
      const li = el("li");
      const b = el("button", { type: "button", class: "suggestion" }, s);
      b.addEventListener("click", () => ask(s));
      li.appendChild(b);
      ul.appendChild(li);
    });
    const wrap = el("div", { class: "suggestions" });
    wrap.appendChild(ul);
    return wrap;
  }

  function feedbackForm(a, entry) {
    const f = el("form", { class: "feedback", method: "post", action: "/feedback" });
    if (entry.vote) {
      f.appendChild(el("p", { class: "thanks" }, entry.vote));
      return f;
    }
    const fs = el("fieldset");
    fs.appendChild(el("legend", {}, "Was this helpful?"));
    [["yes", "Yes"], ["no", "No"]].forEach(([value, label]) => {
      const b = el("button", { type: "button", value: value }, label);
      b.addEventListener("click", () => vote(f, a, entry, value === "yes"));
      fs.appendChild(b);
    });
    f.appendChild(fs);
    return f;
  }

  async function vote(f, a, entry, helpful) {
    const body = { passages: a.passages.map((p) => p.id), helpful: helpful, question: helpful ? "" : a.question };
    let text = "Thank you for your feedback.";
    try {
      const res = await fetch("/api/feedback", {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) text = "Sorry, we couldn't save your feedback just now.";
    } catch (e) {
      text = "Sorry, we couldn't save your feedback just now.";
    }
    f.replaceChildren(el("p", { class: "thanks", role: "status" }, text));
    entry.vote = text;
    saveEntry(entry);
  }

  function tel(phone) {
    return "tel:" + String(phone).replace(/[^0-9+]/g, "");
  }

  function passage(p) {
    const fig = el("figure", { class: "passage" });
    fig.appendChild(el("blockquote", {}, p.text));
    const cap = el("figcaption");
    const href = "/sources/" + encodeURIComponent(p.article) + "#" + encodeURIComponent(p.id);
    const link = el("a", { href: href, target: "_blank", rel: "noopener" },
      p.source.title + ": \u201c" + p.section + "\u201d");
    link.appendChild(hiddenText(" (opens in a new tab)"));
    cap.appendChild(link);
    cap.appendChild(document.createTextNode(". " + p.source.publisher + ". Reviewed " + p.reviewed_on + "."));
    fig.appendChild(cap);
    return fig;
  }

  function contact(c, es) {
    const div = el("div", { class: "contact" });
    div.appendChild(el("p", { class: "fine" }, es ? ES.fine : "Not medical advice. " + c.prompt));
    const ul = el("ul", { class: "actions" });
    const add = (attrs, text, hidden) => {
      const li = el("li");
      const a = el("a", Object.assign({ class: "action" }, attrs), text);
      if (hidden) a.appendChild(hiddenText(hidden));
      li.appendChild(a);
      ul.appendChild(li);
    };
    const call = es ? ES.call : "Call";
    if (c.phone) add({ href: tel(c.phone), "aria-label": call + " " + c.phone }, call);
    if (c.email) add({ href: "mailto:" + c.email, "aria-label": "E-mail " + c.email }, "E-mail");
    if (c.booking_url) {
      add({ href: c.booking_url, rel: "noopener", target: "_blank" }, es ? ES.book : "Book",
        es ? ES.bookHidden : " a consultation (opens in a new tab)");
    }
    div.appendChild(ul);
    return div;
  }

  function saveEntry(entry) {
    const items = load();
    const same = items.find((i) => i.id === entry.id);
    if (same) { Object.assign(same, entry); save(items); }
  }

  // The reply held back by a check-in, after "I'm safe": below the check-in, as in the page
  // the server renders without JavaScript.
  function revealed(entry) {
    const a = entry.answer;
    const es = a.language === "es";
    const said = el("div", { class: "msg visitor" });
    said.appendChild(el("p", { class: "who" }, "You said"));
    said.appendChild(el("p", es ? { lang: "es" } : {}, (es ? ES : EN).said));
    return [said, renderReply({ id: entry.id, answer: a.held, vote: "" }, true)];
  }

  function checkInButton(box, entry) {
    const a = entry.answer;
    const wrap = el("div", { class: "check-in" });
    const b = el("button", { type: "button" }, (a.language === "es" ? ES : EN).safe);
    b.addEventListener("click", () => {
      entry.safe = true;
      saveEntry(entry);
      wrap.remove();
      const nodes = revealed(entry);
      box.after(...nodes);
      input.focus();
      const shown = nodes[nodes.length - 1];
      if (shown.scrollIntoView) shown.scrollIntoView({ block: "start" });
    });
    wrap.appendChild(b);
    return wrap;
  }

  // The nodes of one reply: a check-in the visitor answered "I'm safe" to is followed by that
  // and the reply it held back.
  function renderEntry(entry) {
    const nodes = [renderReply(entry, false)];
    if (entry.answer.held && entry.safe) nodes.push(...revealed(entry));
    return nodes;
  }

  function renderReply(entry, safe) {
    const a = entry.answer;
    const es = a.language === "es";
    const words = es ? ES : EN;
    const checkIn = a.level === "check_in";
    const attrs = { class: "msg bot kind-" + a.kind, "data-kind": a.kind };
    if (a.level) {
      attrs.class += " level-" + a.level;
      attrs["data-level"] = a.level;
    }
    if (a.language && a.language !== "en") attrs.lang = a.language;
    const box = el("div", attrs);
    const who = checkIn ? words.checkIn : a.kind === "crisis" ? words.crisis : "Assistant";
    box.appendChild(el("p", { class: "who" }, who));
    if (a.message) box.appendChild(el("p", { class: "message" }, a.message));
    if (a.resources && a.resources.length) {
      const ul = el("ul", { class: "resources" });
      a.resources.forEach((r) => {
        const li = el("li");
        if (r.href) {
          li.appendChild(el("a", { href: r.href }, r.label + ": " + r.detail));
        } else {
          li.appendChild(el("strong", {}, r.label));
          li.appendChild(document.createTextNode(": " + r.detail));
        }
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    if (checkIn && a.held && !entry.safe) box.appendChild(checkInButton(box, entry));
    const passages = a.passages || [];
    if (passages.length) {
      box.appendChild(passage(passages[0]));
      if (passages.length > 1) {
        const more = el("details", { class: "more" });
        more.appendChild(el("summary", {}, "More from our articles (" + (passages.length - 1) + ")"));
        passages.slice(1).forEach((p) => more.appendChild(passage(p)));
        box.appendChild(more);
      }
      if (!safe) box.appendChild(feedbackForm(a, entry));
    }
    if (a.suggestions && a.suggestions.length) {
      const f = el("div", { class: "follow-ups" });
      f.appendChild(el("p", { class: "label" }, "Related questions"));
      f.appendChild(suggestionList(a.suggestions));
      box.appendChild(f);
    }
    if (a.contact) box.appendChild(contact(a.contact, es));
    return box;
  }

  function visitorBubble(question) {
    const mine = el("div", { class: "msg visitor" });
    mine.appendChild(el("p", { class: "who" }, "You asked"));
    mine.appendChild(el("p", {}, question));
    return mine;
  }

  function showConversationControls(on) {
    const starters = document.querySelector(".starters");
    if (starters) starters.hidden = on;
    if (clear) clear.hidden = !on;
  }

  async function ask(question) {
    if (busy) return;
    if (!question.trim()) { showNote("Please type a question first."); input.focus(); return; }
    if (question.length > max) { showNote("Your question is longer than " + max + " characters. Please shorten it."); return; }
    showNote("");
    busy = true;
    showConversationControls(true);
    const mine = visitorBubble(question);
    log.appendChild(mine);
    status.hidden = false;
    form.setAttribute("aria-busy", "true");
    try {
      const res = await fetch("/api/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ question: question }),
      });
      const data = await res.json().catch(() => null);
      if (!res.ok || !data || !data.kind) {
        const msg = data && data.error ? data.error.message : "Sorry, something went wrong.";
        const wait = res.status === 429 ? " Please wait a moment and try again." : "";
        showNote(msg + wait);
        log.removeChild(mine);
      } else {
        const entry = { id: Date.now() + "-" + Math.random().toString(36).slice(2), answer: data, vote: "" };
        const items = load();
        items.push(entry);
        save(items);
        log.append(...renderEntry(entry));
        input.value = "";
        updateCount();
      }
    } catch (e) {
      showNote("Sorry, we couldn't reach the assistant. Please try again, or contact the clinic.");
      log.removeChild(mine);
    } finally {
      busy = false;
      status.hidden = true;
      form.removeAttribute("aria-busy");
      if (!log.children.length) showConversationControls(false);
      input.focus();
      if (mine.isConnected && mine.scrollIntoView) mine.scrollIntoView({ block: "start" });
    }
  }

  function restore() {
    if (log.children.length) return; // a reply rendered by the server (a form post) is shown as is
    const items = load();
    items.forEach((entry) => {
      if (!entry || !entry.answer || !entry.answer.kind) return;
      log.appendChild(visitorBubble(entry.answer.question));
      log.append(...renderEntry(entry));
    });
    if (items.length) showConversationControls(true);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(input.value);
  });
  document.querySelectorAll("form.suggestions").forEach((f) => {
    f.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = event.submitter || f.querySelector("button");
      ask(button.value);
    });
  });
  if (clear) {
    clear.addEventListener("submit", (event) => {
      event.preventDefault();
      try { sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
      log.replaceChildren();
      showNote("");
      showConversationControls(false);
      cleared.textContent = "Conversation cleared.";
      input.focus();
    });
  }
  input.addEventListener("input", () => { updateCount(); if (note.textContent) showNote(""); });

  // Inside the clinic's launcher (widget.js): Escape asks it to close the panel, and it asks
  // us to put the focus in the question box when the panel opens. The messages carry nothing else.
  if (window.parent !== window && document.body.classList.contains("embed")) {
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") window.parent.postMessage({ faqbot: "close" }, "*");
    });
    window.addEventListener("message", (event) => {
      if (event.source === window.parent && event.data && event.data.faqbot === "focus") input.focus();
    });
  }

  restore();
  updateCount();
})();
