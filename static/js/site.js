// Small enhancements; every page works without this script.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// The list of problems above a refused form names each field: "Pitch (0–20): Must be at most
// 20." — the messages alone ("Must be at most 20." twice) did not say which field was meant.
document.addEventListener("DOMContentLoaded", () => {
  for (const link of document.querySelectorAll(".flash-error a[href^='#f-']")) {
    const label = document.querySelector(`label[for='${CSS.escape(link.hash.slice(1))}']`);
    if (!label) continue;
    const name = label.cloneNode(true);
    for (const extra of name.querySelectorAll(".req, .hint")) extra.remove();
    const text = name.textContent.replace(/\s+/g, " ").trim();
    const colon = document.documentElement.lang.startsWith("zh") ? "：" : ": ";
    if (text && !link.textContent.startsWith(text)) {
      link.textContent = `${text}${colon}${link.textContent}`;
    }
  }
});
