// Phone width: the conversation list, the thread and the customer panel become three views the
// agent switches between with tabs (the ARIA tab pattern: arrow keys move between the tabs,
// Enter or a tap shows one). Without this file the tabs are plain links that scroll to each
// part. The chosen view is kept per browser tab; opening a conversation from the list shows its
// thread. The grid carries the view (`data-view`), so parts replaced by a live reload stay
// where they are; the list's tab counts the unread messages.
(() => {
  "use strict";
  const bar = document.querySelector(".ws-views .ws-tabs");
  const grid = document.querySelector(".ws-grid");
  if (!bar || !grid) return;
  const KEY = "omnidesk.view";
  const tabs = Array.from(bar.querySelectorAll("a[data-view]"));
  bar.setAttribute("role", "tablist");
  bar.setAttribute("aria-label", "Workspace views");
  for (const t of tabs) {
    t.setAttribute("role", "tab");
    t.setAttribute("aria-controls", t.getAttribute("href").slice(1));
  }

  function show(view, focus) {
    if (!tabs.some((t) => t.dataset.view === view)) view = "conversation";
    grid.setAttribute("data-view", view);
    for (const t of tabs) {
      const on = t.dataset.view === view;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      if (on && focus) t.focus();
    }
    try {
      sessionStorage.setItem(KEY, view);
    } catch (_) {
      // Storage refused (private mode): the view lasts for this page only.
    }
  }

  let stored = null;
  try {
    stored = sessionStorage.getItem(KEY);
  } catch (_) {
    stored = null;
  }
  show(stored || "conversation", false);

  bar.addEventListener("click", (e) => {
    const tab = e.target instanceof Element ? e.target.closest("a[data-view]") : null;
    if (!tab) return;
    e.preventDefault();
    show(tab.dataset.view, true);
  });
  bar.addEventListener("keydown", (e) => {
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (step) {
      e.preventDefault();
      show(tabs[(at + step + tabs.length) % tabs.length].dataset.view, true);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      show(tabs[e.key === "Home" ? 0 : tabs.length - 1].dataset.view, true);
    }
  });
  // Opening a conversation from the list shows its thread.
  document.addEventListener("click", (e) => {
    const link = e.target instanceof Element ? e.target.closest(".wl-item a") : null;
    if (link) show("conversation", false);
  });

  function count() {
    const list = document.getElementById("worklist");
    const badge = bar.querySelector(".ws-tab-count");
    if (!list || !badge) return;
    const n = Number(list.getAttribute("data-unread") || "0");
    badge.textContent = n > 0 ? ` (${n > 99 ? "99+" : n})` : "";
  }
  count();
  new MutationObserver(count).observe(grid, { childList: true, subtree: false, attributes: false });
})();
