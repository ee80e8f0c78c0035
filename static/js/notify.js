// Offer countdowns tick down every second (`.countdown[data-seconds]`), and browser
// notifications for incoming offers. A button with id "enable-notifications" asks for
// permission; once granted, every `omnidesk:offer` event for this agent (see live.js) raises a
// notification that opens the dashboard. Pages work the same without it.
(() => {
  "use strict";
  setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll(".countdown[data-seconds]")) {
      if (!el.dataset.start) el.dataset.start = String(now);
      const left = Math.max(0, Number(el.dataset.seconds) - Math.floor((now - Number(el.dataset.start)) / 1000));
      el.textContent = left > 0 ? left + " s left" : "expired";
    }
  }, 1000);
  const form = document.querySelector("form.presence[data-user]");
  const me = form ? form.getAttribute("data-user") : null;
  const button = document.getElementById("enable-notifications");
  if (!("Notification" in window)) {
    if (button) button.hidden = true;
    return;
  }
  if (button) {
    button.hidden = Notification.permission !== "default";
    button.addEventListener("click", () => {
      Notification.requestPermission().then(() => { button.hidden = true; });
    });
  }
  document.addEventListener("omnidesk:offer", (e) => {
    const d = e.detail || {};
    if (Notification.permission !== "granted" || String(d.agent) !== me) return;
    const title = d.customer ? "New conversation: " + d.customer : "New conversation offered";
    const n = new Notification(title, {
      body: d.snippet || "A customer is waiting. Accept or reject it before the countdown ends.",
      tag: "omnidesk-offer-" + d.conversation,
    });
    n.onclick = () => { window.focus(); window.location.href = "/agent"; n.close(); };
  });
})();
