// The score sheet: a live total and autosave. Without this script the page still works:
// the Save draft button saves and the total is shown after saving.
"use strict";
(function () {
  const form = document.getElementById("score-form");
  if (!form || !form.dataset.autosave) return;
  const output = document.getElementById("live-total");
  const status = document.getElementById("autosave-status");
  let dirty = false;
  let saving = false;
  let timer = null;

  function recompute() {
    let total = 0, complete = true;
    form.querySelectorAll("input.points").forEach((input) => {
      const max = parseFloat(input.dataset.max);
      const value = parseFloat(input.value);
      const bad = input.value !== "" && (isNaN(value) || value < 0 || value > max);
      input.classList.toggle("field-error", bad);
      input.setAttribute("aria-invalid", bad ? "true" : "false");
      if (input.value === "" || isNaN(value)) { complete = false; return; }
      total += value;
    });
    output.textContent = (complete ? "" : "≥ ") + (Math.round(total * 10) / 10);
  }

  async function save() {
    if (!dirty || saving) return;
    saving = true;
    dirty = false;
    const body = new FormData(form);
    body.set("action", "save");
    try {
      const response = await fetch(form.dataset.autosave, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRF-Token": form.querySelector("input[name=csrf_token]").value,
                   "Accept": "application/json" },
      });
      const data = await response.json();
      if (!response.ok || !data.saved) throw new Error("not saved");
      status.textContent = status.dataset.saved.replace("{time}", data.at);
    } catch (error) {
      dirty = true;
      status.textContent = status.dataset.failed;
    } finally {
      saving = false;
    }
  }

  function changed() {
    dirty = true;
    recompute();
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 1500);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", () => { dirty = false; window.clearTimeout(timer); });
  recompute();
})();
