// The proposal form: autosave every ~20 s after a change (and at once before an attachment is
// uploaded or removed), and a live budget total with the round's rule percentages. The page
// works fully without this script; without it, save before uploading (the page says so).
"use strict";
(function () {
  const form = document.getElementById("proposal-form");
  if (!form) return;
  const status = document.getElementById("autosave-status");
  const INTERVAL = 20000;
  let dirty = false;
  let saving = false;

  function toFen(text) {
    const cleaned = (text || "").replace(/[,\s¥￥元]/g, "");
    if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return 0;
    const [whole, frac = ""] = cleaned.split(".");
    return parseInt(whole, 10) * 100 + parseInt((frac + "00").slice(0, 2), 10);
  }
  function yuan(fen) {
    const whole = Math.floor(fen / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return "¥" + whole + "." + String(fen % 100).padStart(2, "0");
  }
  function pct(part, whole, up) {
    if (whole <= 0) return "—";
    const n = part * 10000;
    const h = up ? Math.ceil(n / whole) : Math.floor(n / whole);
    const text = (Math.floor(h / 100) + "." + String(h % 100).padStart(2, "0")).replace(/\.?0+$/, "");
    return text + "%";
  }
  function recompute() {
    let total = 0, co = 0, admin = 0, personnel = 0;
    form.querySelectorAll("#budget-lines tbody tr").forEach((row) => {
      const category = row.querySelector("[name=budget_category]").value;
      const amount = toFen(row.querySelector("[name=budget_amount]").value);
      total += amount;
      co += toFen(row.querySelector("[name=budget_cofunding]").value);
      if (category === "admin") admin += amount;
      if (category === "personnel") personnel += amount;
    });
    const set = (id, text, bad) => {
      const el = document.getElementById(id);
      if (!el) return;
      el.textContent = text;
      el.classList.toggle("field-error", !!bad);
    };
    const summary = document.getElementById("budget-summary");
    const limit = (name) => summary && summary.dataset[name] !== "" ? parseInt(summary.dataset[name], 10) : null;
    const adminMax = limit("adminMax"), personnelMax = limit("personnelMax"), coMin = limit("cofundingMin");
    set("budget-total", yuan(total));
    set("cofunding-total", yuan(co));
    set("admin-share", pct(admin, total, true), adminMax !== null && admin * 100 > adminMax * total);
    set("personnel-share", pct(personnel, total, true), personnelMax !== null && personnel * 100 > personnelMax * total);
    set("cofunding-share", pct(co, total, false), coMin !== null && total > 0 && co * 100 < coMin * total);
  }

  async function save() {
    if (!dirty || saving) return;
    saving = true;
    dirty = false;
    const token = form.querySelector("input[name=csrf_token]").value;
    try {
      const response = await fetch(form.dataset.autosave, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "X-CSRF-Token": token, "Accept": "application/json" },
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

  // Save what was typed before anything else reloads the page: uploading or removing an
  // attachment posts its own form, which would otherwise drop unsaved text.
  async function saveNow() {
    while (saving) await new Promise((resolve) => setTimeout(resolve, 100));
    await save();
    return !dirty;
  }
  document.querySelectorAll("#attachments form").forEach((other) => {
    other.addEventListener("submit", async (event) => {
      if (!dirty) return;
      event.preventDefault();
      if (await saveNow()) other.submit();
    });
  });
  // Leaving the page with unsaved text asks first (the browser words the question).
  window.addEventListener("beforeunload", (event) => {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  form.addEventListener("input", () => { dirty = true; recompute(); });
  form.addEventListener("change", () => { dirty = true; recompute(); });
  form.addEventListener("submit", () => { dirty = false; });
  window.setInterval(save, INTERVAL);
  recompute();
})();
