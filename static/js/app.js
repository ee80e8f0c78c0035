// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const text = button.getAttribute("data-copy") || "";
  navigator.clipboard.writeText(text).then(
    () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); },
    () => { button.textContent = "Select and copy"; }
  );
});

// Times: the server writes `<time datetime="…Z">2026-12-01 19:51 UTC</time>`; here they are shown
// in the viewer's time zone, relative for the last day ("5 min ago", "in 3 h" for a deadline),
// with the full local time on hover. Regions replaced by a live reload are localised again.
(() => {
  const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  const MIN = 60 * 1000, HOUR = 60 * MIN, DAY = 24 * HOUR;
  function relative(ms) {
    const ago = ms >= 0, d = Math.abs(ms);
    if (d < MIN) return ago ? "just now" : "in under a minute";
    const text = d < HOUR ? Math.round(d / MIN) + " min" : Math.round(d / HOUR) + " h";
    return ago ? text + " ago" : "in " + text;
  }
  function localise(root) {
    for (const el of root.querySelectorAll("time[datetime]")) {
      const at = Date.parse(el.getAttribute("datetime"));
      if (Number.isNaN(at)) continue;
      const full = absolute.format(new Date(at));
      const since = Date.now() - at;
      el.textContent = Math.abs(since) < DAY ? relative(since) : full;
      el.title = full;
    }
  }
  function run() { localise(document); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
  setInterval(run, 30 * 1000);
  new MutationObserver((changes) => {
    for (const c of changes) for (const n of c.addedNodes) if (n.nodeType === 1) localise(n.parentNode || n);
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
