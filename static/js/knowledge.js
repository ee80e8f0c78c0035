// Knowledge and script in the conversation panel. "Share text", "Share link" and a script
// step's "Use" add their text to the reply being typed (#compose-body) instead of posting; the
// article search swaps in its results (the `fragment=1` answer) instead of leaving the page.
// Without this file every button and the search still work: they post or load a page. Listeners
// are delegated from `document`, so parts replaced by a live reload keep working; text is set
// as the textarea's value, never as markup.
(() => {
  "use strict";
  // Once per page, whatever brings this script in again.
  if (window.omnideskKnowledge) return;
  window.omnideskKnowledge = true;

  function composer() {
    const area = document.getElementById("compose-body");
    return area && !area.disabled && !area.readOnly ? area : null;
  }

  function fill(area, text) {
    const typed = area.value;
    const glue = typed === "" || /\s$/.test(typed) ? "" : " ";
    area.value = typed + glue + text;
    const end = area.value.length;
    area.focus();
    area.setSelectionRange(end, end);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", (e) => {
    const button = e.target instanceof Element ? e.target.closest("button[data-fill]") : null;
    if (!button || !button.closest(".knowledge, .script")) return;
    const area = composer();
    if (!area) return; // no composer on this page: the form posts and the panel comes back filled
    e.preventDefault();
    fill(area, button.getAttribute("data-fill") || "");
  });

  document.addEventListener("submit", async (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("kb-search")) return;
    const part = form.closest("#knowledge");
    if (!part || !composer()) return; // the search page itself: load it normally
    e.preventDefault();
    const url = new URL(form.action, location.href);
    url.searchParams.set("q", new FormData(form).get("q") || "");
    url.searchParams.set("fragment", "1");
    try {
      const resp = await fetch(url, { credentials: "same-origin" });
      if (!resp.ok) throw new Error(String(resp.status));
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const fresh = doc.getElementById("knowledge");
      if (!fresh) throw new Error("no results");
      part.replaceWith(document.importNode(fresh, true));
      const input = document.getElementById("kb-q");
      if (input) input.focus();
    } catch {
      form.submit();
    }
  });
})();
