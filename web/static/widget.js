// The chat launcher for the clinic's own website:
//   <script src="https://BOT/widget.js" defer></script>
// adds a floating button that opens the chat (an iframe of BOT/embed) in a panel. No other
// code is loaded, no inline style or script is used (styles go into a constructed stylesheet
// inside a shadow root, so the page's CSP and CSS leave it alone), and nothing is sent
// anywhere: the chat itself runs in the iframe, on the bot's own origin. Open or closed is
// remembered for the browser tab (sessionStorage of the clinic's site).
(function () {
  "use strict";
  const CONFIG = "__FAQBOT_CONFIG__"; // {name, color, title, allowed, setting}: by the server
  const script = document.currentScript;
  if (!script || !script.src || window.__faqbotWidget) return;
  window.__faqbotWidget = true;
  const origin = new URL(script.src).origin;
  const KEY = "faqbot-widget-open";

  const CSS = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    .launcher {
      position: fixed; right: 16px; bottom: 16px; z-index: 2147483000;
      display: inline-flex; align-items: center; gap: 8px; min-height: 48px; min-width: 48px;
      padding: 10px 18px; border: 2px solid #ffffff; border-radius: 999px; cursor: pointer;
      background: var(--brand); color: #ffffff; font: 700 16px/1.2 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
      box-shadow: 0 4px 14px rgba(0, 0, 0, .3);
    }
    .launcher svg { width: 22px; height: 22px; flex: none; }
    .launcher:focus-visible, .close:focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
    .panel {
      position: fixed; right: 16px; bottom: 80px; z-index: 2147483001;
      width: min(420px, calc(100vw - 32px)); height: min(680px, calc(100vh - 104px));
      display: flex; flex-direction: column; overflow: hidden;
      border: 1px solid #c9d1da; border-radius: 12px; background: #ffffff; color: #1b1f24;
      box-shadow: 0 8px 30px rgba(0, 0, 0, .35);
      font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    }
    .panel[hidden], .launcher[hidden] { display: none; }
    .bar {
      display: flex; align-items: center; justify-content: space-between; gap: 8px;
      padding: 4px 4px 4px 14px; background: var(--brand); color: #ffffff;
    }
    .title { margin: 0; font-size: 16px; font-weight: 700; }
    .refused { padding: 16px; overflow: auto; }
    .refused p { margin: 0 0 12px; }
    .refused code { font: 14px/1.4 ui-monospace, monospace; overflow-wrap: anywhere; }
    .refused a { color: inherit; font-weight: 700; }
    .close {
      min-width: 44px; min-height: 44px; border: 0; border-radius: 8px; cursor: pointer;
      background: transparent; color: #ffffff; font: 700 26px/1 system-ui, sans-serif;
    }
    iframe { flex: 1; width: 100%; border: 0; background: #ffffff; }
    @media (max-width: 480px), (max-height: 520px) {
      .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; }
    }
    @media (prefers-color-scheme: dark) {
      .panel { background: #15191e; color: #e8edf2; border-color: #3b4652; }
      iframe { background: #15191e; }
    }
    @media (prefers-reduced-motion: no-preference) {
      .panel { animation: faqbot-in .15s ease-out; }
      @keyframes faqbot-in { from { opacity: 0; transform: translateY(12px); } }
    }
  `;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function icon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
    svg.appendChild(path);
    return svg;
  }

  // Whether this page's site is one the chat's server lets show the chat (CSP
  // frame-ancestors sources: 'self', scheme://host[:port], *.host); the browser would
  // otherwise draw an empty, broken frame.
  function allowedHere() {
    const here = window.location;
    const bot = new URL(origin);
    return (CONFIG.allowed || []).some((source) => {
      if (source === "'self'") return here.origin === origin;
      if (source.startsWith("*.")) {
        const schemeOk = here.protocol === bot.protocol || here.protocol === "https:";
        return schemeOk && here.hostname.endsWith(source.slice(1));
      }
      let url;
      try { url = new URL(source); } catch (e) { return false; }
      const schemeOk = here.protocol === url.protocol ||
        (url.protocol === "http:" && here.protocol === "https:");
      return schemeOk && here.hostname === url.hostname && here.port === url.port;
    });
  }

  function refusal() {
    const box = el("div", { class: "refused", role: "alert" });
    box.appendChild(el("p", {}, "The chat cannot open on this page: the chat's server does " +
      "not allow this site (" + window.location.origin + ") to show it."));
    const fix = el("p", {}, "To allow it, add " + window.location.origin +
      " to the chat server's setting ");
    fix.appendChild(el("code", {}, CONFIG.setting));
    fix.appendChild(document.createTextNode("."));
    box.appendChild(fix);
    const link = el("a", { href: origin + "/", target: "_blank", rel: "noopener" },
      "Open the chat in a new tab");
    const p = el("p");
    p.appendChild(link);
    box.appendChild(p);
    return box;
  }

  function remember(open) {
    try { sessionStorage.setItem(KEY, open ? "1" : "0"); } catch (e) { /* storage blocked */ }
  }

  function remembered() {
    try { return sessionStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }

  function start() {
    const host = el("div", { id: "faqbot-widget" });
    const root = host.attachShadow({ mode: "open" });
    const sheet = "adoptedStyleSheets" in root && typeof CSSStyleSheet === "function";
    if (sheet) {
      const css = new CSSStyleSheet();
      css.replaceSync(CSS);
      root.adoptedStyleSheets = [css];
    } else {
      root.appendChild(el("style", {}, CSS)); // older browsers; a strict page CSP may refuse it
    }
    host.style.setProperty("--brand", CONFIG.color);

    const launcher = el("button", {
      type: "button", class: "launcher", "aria-haspopup": "dialog", "aria-expanded": "false",
      "aria-controls": "faqbot-panel",
    });
    launcher.appendChild(icon());
    launcher.appendChild(el("span", {}, "Questions? Ask " + CONFIG.name));

    const panel = el("div", {
      id: "faqbot-panel", class: "panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "faqbot-title",
    });
    panel.hidden = true;
    const bar = el("div", { class: "bar" });
    bar.appendChild(el("h2", { id: "faqbot-title", class: "title" }, CONFIG.name));
    const close = el("button", { type: "button", class: "close", "aria-label": "Close the chat" }, "\u00d7");
    bar.appendChild(close);
    panel.appendChild(bar);
    let frame = null;
    let refused = null;

    function openPanel(focus) {
      if (!allowedHere()) {
        if (!refused) {
          refused = refusal();
          panel.appendChild(refused);
        }
      } else if (!frame) {
        frame = el("iframe", { src: origin + "/embed", title: CONFIG.title + " (chat)" });
        frame.addEventListener("load", () => {
          if (!panel.hidden && focus) frame.contentWindow.postMessage({ faqbot: "focus" }, origin);
        });
        panel.appendChild(frame);
      } else if (focus) {
        frame.focus();
        frame.contentWindow.postMessage({ faqbot: "focus" }, origin);
      }
      panel.hidden = false;
      launcher.hidden = window.matchMedia("(max-width: 480px), (max-height: 520px)").matches;
      launcher.setAttribute("aria-expanded", "true");
      if (focus) (frame || close).focus();
      remember(true);
    }

    function closePanel() {
      if (panel.hidden) return;
      panel.hidden = true;
      launcher.hidden = false;
      launcher.setAttribute("aria-expanded", "false");
      remember(false);
      launcher.focus();
    }

    launcher.addEventListener("click", () => (panel.hidden ? openPanel(true) : closePanel()));
    close.addEventListener("click", closePanel);
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") closePanel();
    });
    window.addEventListener("message", (event) => {
      if (event.origin === origin && frame && event.source === frame.contentWindow &&
          event.data && event.data.faqbot === "close") closePanel();
    });
    root.appendChild(launcher);
    root.appendChild(panel);
    document.body.appendChild(host);
    if (remembered()) openPanel(false);
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
