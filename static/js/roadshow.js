// The live roadshow pages: the timer counts down and the page follows the organiser by
// polling a small JSON endpoint; when the project or scoring changes, the page reloads.
// Without this script, reloading the page shows the same state.
"use strict";
(function () {
  const live = document.getElementById("live");
  if (!live) return;
  const timer = document.getElementById("live-timer");
  let remaining = timer ? parseInt(timer.dataset.remaining, 10) : 0;
  let running = timer ? timer.dataset.running === "1" : false;
  let version = live.dataset.version;
  let submitted = null;

  function show() {
    if (!timer) return;
    const m = Math.floor(remaining / 60), s = remaining % 60;
    timer.textContent = m + ":" + String(s).padStart(2, "0");
    timer.classList.toggle("live-timer-out", remaining <= 0);
  }
  window.setInterval(() => { if (running && remaining > 0) { remaining -= 1; show(); } }, 1000);

  async function poll() {
    try {
      const response = await fetch(live.dataset.poll, { credentials: "same-origin",
                                                         headers: { "Accept": "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      const count = data.submitted + "/" + data.judges;
      if (String(data.version) !== version || (submitted !== null && count !== submitted)) {
        window.location.reload();
        return;
      }
      submitted = count;
      remaining = data.remaining;
      running = data.running;
      show();
    } catch (error) { /* try again at the next tick */ }
  }
  window.setInterval(poll, 3000);
})();
