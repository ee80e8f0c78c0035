// Customer simulator: optional auto-refresh of the chat without losing what is being typed, and a
// Refresh link that follows the number and customer fields. The page works without this file.
(() => {
  const thread = document.getElementById("thread");
  const scrollDown = () => { if (thread) thread.scrollTop = thread.scrollHeight; };
  scrollDown();

  const refresh = document.getElementById("refresh");
  const number = document.getElementById("f-number");
  const customer = document.getElementById("f-customer");
  const follow = () => {
    if (!refresh || !number || !customer) return;
    const q = new URLSearchParams({ number: number.value, customer: customer.value.trim() });
    refresh.setAttribute("href", "/simulator?" + q.toString());
  };
  if (number) number.addEventListener("change", follow);
  if (customer) customer.addEventListener("input", follow);

  const auto = document.getElementById("auto-refresh");
  if (!auto || !refresh) return;
  const KEY = "omnidesk.simulator.auto";
  auto.checked = sessionStorage.getItem(KEY) === "1";
  auto.addEventListener("change", () => sessionStorage.setItem(KEY, auto.checked ? "1" : "0"));

  const swap = (doc, id) => {
    const fresh = doc.getElementById(id);
    const here = document.getElementById(id);
    if (fresh && here) here.replaceWith(fresh);
  };
  const tick = async () => {
    if (!auto.checked) return;
    try {
      const resp = await fetch(refresh.getAttribute("href"), { credentials: "same-origin" });
      if (!resp.ok) return;
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const old = document.getElementById("thread");
      const atBottom = !old || old.scrollHeight - old.scrollTop - old.clientHeight < 40;
      swap(doc, "thread");
      swap(doc, "window-state");
      if (atBottom) {
        const t = document.getElementById("thread");
        if (t) t.scrollTop = t.scrollHeight;
      }
    } catch (_) {
      // Offline or signed out: try again on the next tick.
    }
  };
  setInterval(tick, 3000);
})();
