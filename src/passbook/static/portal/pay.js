// The card field of Stripe.js: the card goes to Stripe, never to our server.
// A payment (data-intent="payment", a PaymentIntent): once Stripe has it, the page shows
// "paying…" until Stripe's webhook tells the server. Saving a card (data-intent="setup",
// a SetupIntent): the page comes back with the SetupIntent's id, and the server asks
// Stripe whether it succeeded.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = form.querySelector("button");
  const setup = form.dataset.intent === "setup";
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    button.textContent = setup ? "Saving…" : "Paying…";
    const confirm = setup ? stripe.confirmCardSetup : stripe.confirmCardPayment;
    const result = await confirm.call(stripe, form.dataset.secret, {
      payment_method: { card: card },
    });
    if (result.error) {
      const failed = setup ? "The card was not saved" : "The payment failed";
      errors.textContent = result.error.message || failed + "; please try again.";
      button.disabled = false;
      button.textContent = "Try again";
      return;
    }
    const back = new URL(form.dataset.return, window.location.href);
    if (setup) back.searchParams.set("setup_intent", result.setupIntent.id);
    window.location.assign(back.toString());
  });
})();
