// The one-screen workspace, enhanced; without this file every link and form still works.
// - The thread opens at the newest message, keeps its place while the agent reads older ones,
//   follows new messages only when it is at the bottom, and otherwise shows "New messages below".
// - Send and Add note post in the background: the page does not reload, the message shows at once
//   as queued, the composer keeps the focus, and errors come back beside the composer.
// - Each conversation keeps its own draft (in this browser's localStorage) while the agent
//   switches between them; Ctrl/Cmd+Enter sends.
// - Keyboard: Alt+↓ / Alt+↑ next or previous conversation, Alt+C the composer, Alt+A / Alt+R
//   accept or reject the first offer, "?" lists the shortcuts.
// Text from the page goes into the DOM with textContent only, never as markup.
(() => {
  "use strict";
  const head = document.getElementById("conv-head");
  const convId = head ? head.getAttribute("data-live-conversation") : null;
  const pane = () => document.querySelector(".conv-thread");
  const thread = () => document.getElementById("thread");
  const NEAR_BOTTOM_PX = 48;

  // ---- the thread's scroll ----
  let atBottom = true;
  let seen = 0;
  const count = () => (thread() ? thread().querySelectorAll("li.msg").length : 0);
  const toBottom = () => {
    const p = pane();
    if (p) p.scrollTop = p.scrollHeight;
    atBottom = true;
    const marker = document.getElementById("new-messages");
    if (marker) marker.hidden = true;
  };
  function watchThread() {
    const p = pane();
    const t = thread();
    if (!p || !t) return;
    const target = window.location.hash.match(/^#m\d+$/) ? document.querySelector(window.location.hash) : null;
    if (target) target.scrollIntoView({ block: "center" });
    else toBottom();
    seen = count();
    p.addEventListener("scroll", () => {
      atBottom = p.scrollHeight - p.scrollTop - p.clientHeight < NEAR_BOTTOM_PX;
      if (atBottom) {
        const marker = document.getElementById("new-messages");
        if (marker) marker.hidden = true;
      }
    }, { passive: true });
    new MutationObserver(() => {
      const now = count();
      if (atBottom) toBottom();
      else if (now > seen) {
        const marker = document.getElementById("new-messages");
        if (marker) marker.hidden = false;
      }
      seen = now;
    }).observe(t, { childList: true });
  }
  document.addEventListener("click", (e) => {
    if (e.target.closest("#new-messages button")) toBottom();
  });

  // ---- drafts ----
  const key = convId ? "omnidesk:draft:" + convId : null;
  const composerArea = () => document.getElementById("compose-body");
  function restoreDraft() {
    const area = composerArea();
    if (!area || !key) return;
    try {
      const saved = window.localStorage.getItem(key);
      if (saved && area.value === "") area.value = saved;
    } catch (_) { /* storage may be off */ }
  }
  function saveDraft(text) {
    if (!key) return;
    try {
      if (text) window.localStorage.setItem(key, text);
      else window.localStorage.removeItem(key);
    } catch (_) { /* storage may be off */ }
  }
  document.addEventListener("input", (e) => {
    if (e.target === composerArea()) saveDraft(e.target.value);
  });

  // ---- sending in the background ----
  function pending(text) {
    const t = thread();
    if (!t) return;
    const li = document.createElement("li");
    li.className = "msg msg-agent msg-pending";
    const meta = document.createElement("p");
    meta.className = "msg-meta";
    meta.textContent = "You · now";
    const body = document.createElement("p");
    body.className = "msg-body";
    body.textContent = text;
    const status = document.createElement("p");
    status.className = "msg-status status-queued";
    status.textContent = "… Queued";
    li.append(meta, body, status);
    const empty = t.querySelector("li.empty");
    if (empty) empty.remove();
    t.append(li);
    toBottom();
  }

  function replaceFrom(fresh, id) {
    const mine = document.getElementById(id);
    const theirs = fresh.getElementById(id);
    if (mine && theirs) mine.innerHTML = theirs.innerHTML;
  }

  async function post(form, submitter, areaId) {
    const area = document.getElementById(areaId);
    const text = area ? area.value : "";
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    const body = new URLSearchParams();
    for (const [k, v] of data) body.append(k, typeof v === "string" ? v : "");
    if (areaId === "compose-body") pending(text);
    if (area) {
      area.value = "";
      area.focus();
    }
    let resp;
    try {
      resp = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
    } catch (_) {
      if (area) area.value = text;
      const li = thread() && thread().querySelector("li.msg-pending:last-child .msg-status");
      if (li) li.textContent = "Not sent: the connection failed. Try again.";
      return;
    }
    const fresh = new DOMParser().parseFromString(await resp.text(), "text/html");
    replaceFrom(fresh, "thread");
    replaceFrom(fresh, "worklist");
    if (resp.ok) {
      if (areaId === "compose-body") saveDraft("");
      if (fresh.title) document.title = fresh.title;
    } else {
      // Refused: the composer comes back with the reason and the text kept.
      replaceFrom(fresh, "composer");
    }
    const again = document.getElementById(areaId);
    if (again) again.focus();
  }

  document.addEventListener("submit", (e) => {
    const form = e.target;
    const submitter = e.submitter || null;
    // Only the plain Send and Add note: quick-reply inserts and templates keep their pages.
    if (submitter && submitter.hasAttribute("formaction")) return;
    if (form.matches(".compose-form")) {
      e.preventDefault();
      post(form, submitter, "compose-body");
    } else if (form.matches(".note-form")) {
      e.preventDefault();
      post(form, submitter, "note-body");
    }
  });

  // ---- keyboard ----
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  function move(step) {
    const links = Array.from(document.querySelectorAll(".wl-item a"));
    if (links.length === 0) return;
    const at = links.findIndex((a) => a.getAttribute("aria-current") === "page");
    const next = links[(at + step + links.length) % links.length];
    if (next) window.location.href = next.href;
  }
  function help() {
    let dialog = document.getElementById("shortcuts");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "shortcuts";
      dialog.setAttribute("aria-label", "Keyboard shortcuts");
      const title = document.createElement("h2");
      title.textContent = "Keyboard shortcuts";
      const list = document.createElement("dl");
      for (const [k, v] of [
        ["Alt+↓ / Alt+↑", "Next / previous conversation"],
        ["Alt+C", "Write in the composer"],
        ["Ctrl+Enter (⌘+Enter)", "Send"],
        ["Alt+A / Alt+R", "Accept / reject the offer"],
        ["?", "This list"],
      ]) {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = v;
        list.append(dt, dd);
      }
      const close = document.createElement("button");
      close.type = "button";
      close.textContent = "Close";
      close.addEventListener("click", () => dialog.close());
      dialog.append(title, list, close);
      document.body.append(dialog);
    }
    dialog.showModal();
  }
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && e.target instanceof HTMLTextAreaElement) {
      const form = e.target.form;
      if (form) {
        e.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey) {
      const offer = (which) => document.querySelector(".offer-banner .offer-" + which + " button");
      const actions = {
        ArrowDown: () => move(1),
        ArrowUp: () => move(-1),
        KeyC: () => { const a = composerArea() || document.getElementById("note-body"); if (a) a.focus(); },
        KeyA: () => { const b = offer("accept"); if (b) b.click(); },
        KeyR: () => { const b = offer("reject"); if (b) b.click(); },
      };
      // By physical key: Alt+C types "ç" on a Mac keyboard.
      const act = actions[e.key.startsWith("Arrow") ? e.key : e.code];
      if (act) {
        e.preventDefault();
        act();
      }
      return;
    }
    if (e.key === "?" && !typing(e.target)) {
      e.preventDefault();
      help();
    }
  });

  function start() {
    watchThread();
    restoreDraft();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Drag and drop: a file dropped on the conversation goes into the attachment form's file picker
// (the agent then adds a caption and sends it), so the same checks apply as for a picked file.
(() => {
  "use strict";
  const zone = document.getElementById("conversation");
  if (!zone) return;
  const input = () => document.getElementById("attach-file");
  const has = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes("Files");
  zone.addEventListener("dragover", (e) => {
    if (!has(e) || !input()) return;
    e.preventDefault();
    zone.classList.add("dropping");
  });
  zone.addEventListener("dragleave", (e) => {
    if (e.target === zone) zone.classList.remove("dropping");
  });
  zone.addEventListener("drop", (e) => {
    zone.classList.remove("dropping");
    const picker = input();
    if (!has(e) || !picker || e.dataTransfer.files.length === 0) return;
    e.preventDefault();
    const one = new DataTransfer();
    one.items.add(e.dataTransfer.files[0]);
    picker.files = one.files;
    const caption = document.getElementById("attach-caption");
    (caption || picker).focus();
    picker.closest("form").scrollIntoView({ block: "nearest" });
  });
})();
