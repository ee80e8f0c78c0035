// Browser notifications for incoming offers. A button with id "enable-notifications" asks for
// permission; once granted, every `omnidesk:offer` event for this agent (see live.js) raises a
// notification that opens the dashboard. Pages work the same without it.
(() => {
  "use strict";
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
    const n = new Notification("New conversation offered", {
      body: "A customer is waiting. Accept or reject it before the countdown ends.",
      tag: "omnidesk-offer-" + d.conversation,
    });
    n.onclick = () => { window.focus(); window.location.href = "/agent"; n.close(); };
  });
})();
