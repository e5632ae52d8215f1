// Behaviour kept out of the HTML so the Content-Security-Policy can forbid inline script.
// <form data-confirm="Question?"> asks before submitting; <tr data-href="/url"> opens on click.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-href]");
  if (row && !event.target.closest("a, button, input, select")) window.location = row.dataset.href;
});

// An htmx action replaces the element that holds the pressed button (a roster row): keep
// the keyboard focus there, on the new element's first button (or link), instead of
// letting it fall back to the top of the page.
let swappedWithFocus = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  swappedWithFocus = target && target.id && target.contains(document.activeElement) ? target.id : null;
});
document.addEventListener("htmx:afterSettle", () => {
  if (!swappedWithFocus) return;
  const swapped = document.getElementById(swappedWithFocus);
  swappedWithFocus = null;
  if (!swapped || swapped.contains(document.activeElement)) return;
  const next = swapped.querySelector("button") || swapped.querySelector("a[href], input, select");
  if (next) next.focus();
});
