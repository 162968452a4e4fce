// Progressive enhancement for the chat: questions go to the JSON API and replies are appended
// without a reload. Without this file the form posts to the server, which renders the reply.
// All visitor and knowledge text is inserted with textContent, never as HTML.
(function () {
  "use strict";
  const form = document.getElementById("ask");
  const log = document.getElementById("log");
  if (!form || !log || !window.fetch) return;
  const input = document.getElementById("question");
  const note = document.getElementById("note");
  const count = document.getElementById("count");
  const status = document.getElementById("status");
  const max = parseInt(input.dataset.max || "500", 10);
  let busy = false;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showNote(text) {
    note.textContent = text;
    note.hidden = !text;
  }

  function updateCount() {
    const n = input.value.length;
    count.textContent = n + " / " + max + " characters";
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

  function feedbackForm(a) {
    const form = el("form", { class: "feedback", method: "post", action: "/feedback" });
    const fs = el("fieldset");
    fs.appendChild(el("legend", {}, "Was this helpful?"));
    [["yes", "Yes"], ["no", "No"]].forEach(([value, label]) => {
      const b = el("button", { type: "button", value: value }, label);
      b.addEventListener("click", () => vote(form, a, value === "yes"));
      fs.appendChild(b);
    });
    form.appendChild(fs);
    return form;
  }

  async function vote(form, a, helpful) {
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
    form.replaceChildren(el("p", { class: "thanks", role: "status" }, text));
  }

  function tel(phone) {
    return "tel:" + String(phone).replace(/[^0-9+]/g, "");
  }

  function renderReply(a) {
    const box = el("div", { class: "msg bot kind-" + a.kind, "data-kind": a.kind });
    box.appendChild(el("p", { class: "who" }, a.kind === "crisis" ? "Please reach out now" : "Assistant"));
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
    (a.passages || []).forEach((p) => {
      const fig = el("figure", { class: "passage" });
      fig.appendChild(el("blockquote", {}, p.text));
      const cap = el("figcaption");
      cap.appendChild(el("a", { href: "/sources/" + encodeURIComponent(p.article) + "#" + encodeURIComponent(p.id) },
        p.source.title + ": \u201c" + p.section + "\u201d"));
      cap.appendChild(document.createTextNode(". " + p.source.publisher + ". Reviewed " + p.reviewed_on + "."));
      fig.appendChild(cap);
      box.appendChild(fig);
    });
    if (a.passages && a.passages.length) box.appendChild(feedbackForm(a));
    if (a.suggestions && a.suggestions.length) {
      const f = el("div", { class: "follow-ups" });
      if (a.kind === "answer") f.appendChild(el("p", { class: "label" }, "You could also ask"));
      f.appendChild(suggestionList(a.suggestions));
      box.appendChild(f);
    }
    if (a.contact) {
      const c = a.contact;
      const div = el("div", { class: "contact" });
      div.appendChild(el("p", {}, c.prompt));
      const ul = el("ul");
      const add = (href, text, extra) => {
        const li = el("li");
        li.appendChild(el("a", Object.assign({ href: href }, extra || {}), text));
        ul.appendChild(li);
      };
      if (c.phone) add(tel(c.phone), "Call " + c.phone);
      if (c.email) add("mailto:" + c.email, "Email " + c.email);
      if (c.booking_url) add(c.booking_url, "Book a consultation", { rel: "noopener", target: "_blank" });
      div.appendChild(ul);
      box.appendChild(div);
    }
    return box;
  }

  async function ask(question) {
    if (busy) return;
    if (!question.trim()) { showNote("Please type a question first."); input.focus(); return; }
    if (question.length > max) { showNote("Your question is longer than " + max + " characters. Please shorten it."); return; }
    showNote("");
    busy = true;
    const starters = document.querySelector(".starters");
    if (starters) starters.hidden = true;
    const mine = el("div", { class: "msg visitor" });
    mine.appendChild(el("p", { class: "who" }, "You asked"));
    mine.appendChild(el("p", {}, question));
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
        log.appendChild(renderReply(data));
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
      input.focus();
      mine.scrollIntoView && mine.scrollIntoView({ block: "start" });
    }
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
  input.addEventListener("input", () => { updateCount(); if (note.textContent) showNote(""); });
  updateCount();
})();
