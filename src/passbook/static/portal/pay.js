// Card payment with Stripe.js: the card goes to Stripe, never to our server. Once Stripe
// has the payment, the page shows "paying…" until Stripe's webhook tells the server.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = document.getElementById("card-pay");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    button.textContent = "Paying…";
    const result = await stripe.confirmCardPayment(form.dataset.secret, {
      payment_method: { card: card },
    });
    if (result.error) {
      errors.textContent = result.error.message || "The payment failed; please try again.";
      button.disabled = false;
      button.textContent = "Try again";
      return;
    }
    window.location.assign(form.dataset.return);
  });
})();
