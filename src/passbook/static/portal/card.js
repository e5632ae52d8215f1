// Saving a card with Stripe.js (a SetupIntent): the card goes to Stripe, never to our
// server. Once Stripe has it, the page comes back with the SetupIntent's id, and the
// server asks Stripe whether it succeeded.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = document.getElementById("card-save");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    button.textContent = "Saving…";
    const result = await stripe.confirmCardSetup(form.dataset.secret, {
      payment_method: { card: card },
    });
    if (result.error) {
      errors.textContent = result.error.message || "The card was not saved; please try again.";
      button.disabled = false;
      button.textContent = "Try again";
      return;
    }
    const back = new URL(form.dataset.return);
    back.searchParams.set("setup_intent", result.setupIntent.id);
    window.location.assign(back.toString());
  });
})();
