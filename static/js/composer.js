// Quick replies in the composer: typing "/q" in the message opens a searchable list of the quick
// replies offered here (the options of the "Quick replies" select, already filled for this customer
// and agent); the words typed after "/q" filter it, each word anywhere in a title or text
// ("/q refund policy"). Arrow keys move, Enter or a click inserts,
// Escape closes. Without this file the select and its "Insert" button do the same on the server.
// Listeners are delegated from `document`, so a composer replaced by a live reload keeps working;
// the list is built with textContent only, never markup.
(() => {
  "use strict";
  const TRIGGER = /(^|\s)\/q((?:[ \t][^\n]*)?)$/;
  const MAX_SHOWN = 8;
  let popup = null;
  let items = [];
  let active = 0;

  function options() {
    const select = document.getElementById("quick-reply");
    if (!select) return [];
    return Array.from(select.options).map((o) => ({
      title: o.textContent || "",
      text: o.getAttribute("data-text") || "",
    }));
  }

  function token(area) {
    const before = area.value.slice(0, area.selectionStart);
    const m = TRIGGER.exec(before);
    if (!m) return null;
    const words = m[2].toLowerCase().split(/\s+/).filter(Boolean);
    return { start: before.length - m[2].length - 2, words };
  }

  function close() {
    if (popup) popup.remove();
    popup = null;
    items = [];
  }

  function render(area, found) {
    if (!popup) {
      popup = document.createElement("ul");
      popup.className = "qr-popup";
      popup.setAttribute("role", "listbox");
      popup.setAttribute("aria-label", "Quick replies");
      area.insertAdjacentElement("afterend", popup);
    }
    popup.replaceChildren();
    found.forEach((q, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      const title = document.createElement("strong");
      title.textContent = q.title;
      const text = document.createElement("span");
      text.textContent = q.text;
      li.append(title, text);
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        pick(area, q);
      });
      popup.append(li);
    });
    if (found.length === 0) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = "No quick reply matches.";
      popup.append(li);
    }
  }

  function pick(area, q) {
    const t = token(area);
    if (!t) return close();
    const end = area.selectionStart;
    area.value = area.value.slice(0, t.start) + q.text + area.value.slice(end);
    const caret = t.start + q.text.length;
    area.setSelectionRange(caret, caret);
    close();
    area.focus();
  }

  function update(area) {
    const t = token(area);
    if (!t) return close();
    items = options()
      .filter((q) => {
        const hay = (q.title + " " + q.text).toLowerCase();
        return t.words.every((w) => hay.includes(w));
      })
      .slice(0, MAX_SHOWN);
    active = Math.min(active, Math.max(items.length - 1, 0));
    render(area, items);
  }

  const isComposer = (el) => el instanceof HTMLTextAreaElement && el.id === "compose-body";

  document.addEventListener("input", (e) => {
    if (isComposer(e.target)) update(e.target);
  });

  document.addEventListener("keydown", (e) => {
    if (!popup || !isComposer(e.target)) return;
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      active = (active + step + items.length) % Math.max(items.length, 1);
      render(e.target, items);
    } else if (e.key === "Enter" && items.length > 0) {
      e.preventDefault();
      pick(e.target, items[active]);
    }
  });

  document.addEventListener("focusout", (e) => {
    if (isComposer(e.target)) close();
  });
})();
