// Offer countdowns tick down every second (`.countdown[data-seconds]`), and browser
// notifications for incoming offers. A button with id "enable-notifications" asks for
// permission; once granted, every `omnidesk:offer` event for this agent (see live.js) raises a
// notification naming the customer with a snippet; clicking it brings this tab forward (opening the
// dashboard unless the page has the offer banner). "Sound for offers" (id "offer-sound", kept in
// this browser) plays a short chime with each offer. Pages work the same without it.
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
  const SOUND_KEY = "omnidesk:offer-sound";
  const sound = document.getElementById("offer-sound");
  let soundOn = false;
  try { soundOn = window.localStorage.getItem(SOUND_KEY) === "on"; } catch (_) { /* storage off */ }
  const showSound = () => {
    if (!sound) return;
    sound.hidden = false;
    sound.setAttribute("aria-pressed", soundOn ? "true" : "false");
    sound.textContent = "Sound for offers: " + (soundOn ? "on" : "off");
  };
  showSound();
  if (sound) {
    sound.addEventListener("click", () => {
      soundOn = !soundOn;
      try { window.localStorage.setItem(SOUND_KEY, soundOn ? "on" : "off"); } catch (_) { /* storage off */ }
      showSound();
    });
  }
  function chime() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!soundOn || !Ctx) return;
    const ctx = new Ctx();
    for (const [freq, at] of [[880, 0], [1320, 0.18]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + at + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.32);
    }
    setTimeout(() => ctx.close(), 1000);
  }
  document.addEventListener("omnidesk:offer", (e) => {
    if (String((e.detail || {}).agent) === me) chime();
  });
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
    n.onclick = () => {
      window.focus();
      if (!document.getElementById("offers")) window.location.href = "/agent";
      n.close();
    };
  });
  document.addEventListener("omnidesk:consult", (e) => {
    const d = e.detail || {};
    if (Notification.permission !== "granted" || !d.started || String(d.consultant) !== me) return;
    const n = new Notification("You are asked to consult", {
      body: "A colleague wants your help on a conversation: open it from Consulting in your list.",
      tag: "omnidesk-consult-" + d.conversation,
    });
    n.onclick = () => {
      window.focus();
      window.location.href = "/agent/conversations/" + Number(d.conversation);
      n.close();
    };
  });
})();
