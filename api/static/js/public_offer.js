// The public offer-of-help form: fetches a signed form token, sends the offer as JSON, says
// what happened. No token of any user is ever sent from the public site; text goes in with
// textContent only.

const boot = JSON.parse(document.getElementById("boot").textContent);
const messages = boot.messages;
const form = document.getElementById("offer-form");
const result = document.getElementById("offer-result");
const send = document.getElementById("offer-send");
let minSeconds = 0;
let fetchedAt = 0;

function say(text, kind) {
  result.textContent = text;
  result.className = kind === "error" ? "error" : "ok";
}

async function fetchToken() {
  const response = await fetch("/api/v1/public/form-token", { headers: { Accept: "application/json" } });
  const body = await response.json();
  document.getElementById("offer-token").value = body.token;
  minSeconds = body.min_seconds;
  fetchedAt = Date.now();
}

function detailText(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((d) => d.msg || "").join("; ");
  return "";
}

async function submit(event) {
  event.preventDefault();
  const waitMs = minSeconds * 1000 - (Date.now() - fetchedAt);
  send.disabled = true;
  if (waitMs > 0) {
    say(messages.pub_offer_wait, "info");
    await new Promise((resolve) => setTimeout(resolve, waitMs + 100));
  }
  say(messages.pub_offer_sending, "info");
  const data = Object.fromEntries(new FormData(form).entries());
  try {
    const response = await fetch(`/api/v1/public/needs/${encodeURIComponent(form.dataset.need)}/offers`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(data),
    });
    if (response.ok) {
      form.reset();
      say(messages.pub_offer_sent, "ok");
      form.dataset.sent = "1";
      await fetchToken();
    } else {
      let detail = response.statusText;
      try {
        detail = detailText((await response.json()).detail) || detail;
      } catch (err) {
        // not JSON: keep the status text
      }
      say(`${messages.pub_offer_error}: ${detail}`, "error");
      await fetchToken();
    }
  } catch (err) {
    say(messages.pub_offer_error, "error");
  } finally {
    send.disabled = false;
  }
}

if (form) {
  fetchToken().then(() => { form.dataset.ready = "1"; });
  form.addEventListener("submit", submit);
}
