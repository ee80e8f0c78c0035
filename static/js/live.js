// omnidesk live updates. Include on signed-in pages with
//   <script src="/static/js/live.js" defer></script>
// It opens the user's Server-Sent Events stream (GET /agent/events), re-dispatches every event on
// `document` as a CustomEvent named `omnidesk:<kind>` whose `detail` is the parsed JSON, and
// reconnects with exponential backoff (1 s doubling to 30 s, with jitter). The server only sends
// what the user may see: admins and supervisors everything, agents the conversations they may open
// and their own offers and presence. Pages work without this file; it only keeps them fresh.
//
// Events and their `detail` (ids are numbers, times are milliseconds since the epoch):
//   omnidesk:ready               {}                       the stream is open (first frame each time)
//   omnidesk:message             {conversation, seq}      a message (inbound or outbound) was stored
//   omnidesk:status              {conversation, seq, status}
//                                status: queued, sending, sent, delivered, read, undelivered, failed
//   omnidesk:window_expired      {conversation}           WhatsApp 24 h window closed: templates only
//   omnidesk:conversation_opened {conversation, workstream}  workstream may be null
//   omnidesk:assigned            {conversation, agent}    agent is null when released
//   omnidesk:offer               {conversation, agent, expires_at}  a push offer to `agent`
//   omnidesk:offer_withdrawn     {conversation, agent}    rejected, timed out or taken away
//   omnidesk:presence            {agent, presence}        available, busy, busy-dnd, away, offline,
//                                inactive
//   omnidesk:flagged             {conversation, workstream}  nobody takes it / its agent was away
//   omnidesk:consult             {conversation, consultant, started}  a consult started or ended
//   omnidesk:resync              {missed} or {reconnected: true}
//                                events were lost (the stream fell behind, or was down): reload
//                                whatever the page shows
//   omnidesk:connection          {state: "open"} or {state: "retrying", delay_ms}
//
// Example: document.addEventListener("omnidesk:message", (e) => console.log(e.detail.conversation));
//
// Live regions (optional, no code needed): give an element an id and `data-live-reload`. On a
// relevant event the page's own URL is fetched again and the element's innerHTML is replaced by
// that of the element with the same id in the fetched page. The attribute's value lists the kinds
// that reload it (space-separated; empty means every kind except ready, presence and connection).
// `data-live-conversation="<id>"` limits a region to events about that conversation (resync
// always reloads). Bursts of events cost one fetch; a region holding the keyboard focus waits
// until the focus leaves it, so nobody loses what they are typing.
(() => {
  "use strict";
  if (window.omnideskLive) return;

  const URL_EVENTS = "/agent/events";
  const KINDS = [
    "ready", "message", "status", "window_expired", "conversation_opened", "assigned",
    "offer", "offer_withdrawn", "presence", "resync", "flagged", "consult",
  ];
  const QUIET = new Set(["ready", "presence", "connection"]);
  const BACKOFF_FIRST_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const RELOAD_DEBOUNCE_MS = 300;

  let source = null;
  let failures = 0;
  let everOpened = false;
  let retryTimer = null;

  function emit(kind, detail) {
    document.dispatchEvent(new CustomEvent("omnidesk:" + kind, { detail }));
  }

  function parse(text) {
    try {
      return JSON.parse(text || "{}");
    } catch (_) {
      return {};
    }
  }

  function connect() {
    retryTimer = null;
    source = new EventSource(URL_EVENTS);
    for (const kind of KINDS) {
      source.addEventListener(kind, (e) => onEvent(kind, parse(e.data)));
    }
    source.onerror = () => {
      // EventSource retries some failures itself and gives up on others (a redirect to /login,
      // a 5xx): close it either way and retry on our own schedule.
      source.close();
      source = null;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** failures);
      failures += 1;
      const jittered = Math.round(delay / 2 + Math.random() * delay / 2);
      emit("connection", { state: "retrying", delay_ms: jittered });
      retryTimer = setTimeout(connect, jittered);
    };
  }

  function onEvent(kind, detail) {
    if (kind === "ready") {
      failures = 0;
      emit("connection", { state: "open" });
      emit("ready", detail);
      if (everOpened) {
        // Whatever happened while the stream was down was not seen.
        onEvent("resync", { reconnected: true });
      }
      everOpened = true;
      return;
    }
    emit(kind, detail);
    markRegions(kind, detail);
  }

  // ---- live regions ----

  const pending = new Set();
  let reloadTimer = null;
  let reloading = false;

  function wants(region, kind, detail) {
    if (kind === "resync") return true;
    const listed = (region.getAttribute("data-live-reload") || "").trim();
    if (listed === "" ? QUIET.has(kind) : !listed.split(/\s+/).includes(kind)) return false;
    const only = region.getAttribute("data-live-conversation");
    return !only || String(detail.conversation) === only;
  }

  function markRegions(kind, detail) {
    for (const region of document.querySelectorAll("[data-live-reload][id]")) {
      if (wants(region, kind, detail)) pending.add(region.id);
    }
    if (pending.size > 0) scheduleReload(RELOAD_DEBOUNCE_MS);
  }

  function scheduleReload(delay) {
    if (reloadTimer === null) reloadTimer = setTimeout(reload, delay);
  }

  function busy(region) {
    const active = document.activeElement;
    return active !== null && active !== document.body && region.contains(active);
  }

  async function reload() {
    reloadTimer = null;
    if (reloading) {
      scheduleReload(RELOAD_DEBOUNCE_MS);
      return;
    }
    reloading = true;
    try {
      const resp = await fetch(window.location.href, {
        credentials: "same-origin",
        headers: { "Accept": "text/html" },
        cache: "no-store",
      });
      if (!resp.ok || new URL(resp.url).pathname === "/login") return;
      const fresh = new DOMParser().parseFromString(await resp.text(), "text/html");
      // The title may count what is unread.
      if (fresh.title) document.title = fresh.title;
      for (const id of Array.from(pending)) {
        const region = document.getElementById(id);
        if (region === null) {
          pending.delete(id);
          continue;
        }
        if (busy(region)) continue;
        const replacement = fresh.getElementById(id);
        if (replacement !== null) region.innerHTML = replacement.innerHTML;
        pending.delete(id);
      }
    } catch (_) {
      // Offline or the server restarting: the next event (or the resync after reconnecting) retries.
    } finally {
      reloading = false;
    }
  }

  // A region skipped because it held the focus reloads once the focus leaves it.
  document.addEventListener("focusout", () => {
    if (pending.size > 0) scheduleReload(RELOAD_DEBOUNCE_MS);
  });

  // Activity: an agent who types or clicks is not Inactive. At most one ping a minute, sent with
  // the page's CSRF token (POST /agent/activity).
  const ACTIVITY_EVERY_MS = 60 * 1000;
  let lastPing = 0;
  const ping = () => {
    const now = Date.now();
    if (now - lastPing < ACTIVITY_EVERY_MS) return;
    const token = document.querySelector('input[name="csrf"]');
    if (token === null) return;
    lastPing = now;
    const body = new URLSearchParams({ csrf: token.value });
    fetch("/agent/activity", { method: "POST", body, credentials: "same-origin" }).catch(() => {});
  };
  for (const kind of ["keydown", "pointerdown", "focus"]) {
    window.addEventListener(kind, ping, { passive: true, capture: true });
  }

  window.omnideskLive = { kinds: KINDS.slice() };
  connect();
  window.addEventListener("pagehide", () => {
    if (source !== null) source.close();
    source = null;
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
  });
  // Back from the back-forward cache: open again (the ready event then asks for a resync).
  window.addEventListener("pageshow", (e) => {
    if (e.persisted && source === null && retryTimer === null) connect();
  });
})();
