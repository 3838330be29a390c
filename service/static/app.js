// The only script of the pages: forms that take a while (planning, re-scheduling) say so and
// cannot be sent twice. Everything works without it.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.busy) return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  const status = form.querySelector(".busy");
  if (status) status.textContent = form.dataset.busy;
  form.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = true; });
});
