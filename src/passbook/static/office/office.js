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
