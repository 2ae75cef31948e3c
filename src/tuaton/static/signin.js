// Follows a QR sign-in: server-sent events, falling back to polling; counts down; then continues.
(function () {
  "use strict";
  var qr = document.getElementById("signin-qr");
  if (!qr) { return; }
  var statusUrl = qr.getAttribute("data-status");
  var statusEl = document.getElementById("signin-status");
  var countdown = document.getElementById("signin-countdown");
  // Count down from what the server said is left, so a wrong clock on this computer does not matter.
  var expiresAt = Date.now() + Number(countdown.getAttribute("data-seconds")) * 1000;
  var finished = false;

  function show(state, redirectTo) {
    statusEl.setAttribute("data-state", state);
    statusEl.textContent = statusEl.getAttribute("data-text-" + state) || state;
    if (state === "approved" || state === "denied") {
      finished = true;
      if (redirectTo) { window.location.assign(redirectTo); }
    } else if (state === "expired" || state === "lost") {
      finished = true;
      qr.style.opacity = "0.25";
      document.getElementById("signin-restart").hidden = false;
      var back = document.getElementById("signin-back");
      if (redirectTo) { back.href = redirectTo; }
      back.hidden = false;
    }
  }

  function handle(body) { if (body && typeof body.status === "string") { show(body.status, body.redirect_to); } }

  // 404/410: the sign-in is gone (a restart of the session store lost it): stop and offer a new QR
  // code. 503: the service is briefly down: say so and keep trying, more slowly.
  var delay = 1500;
  function poll() {
    if (finished) { return; }
    fetch(statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 404 || r.status === 410) { show("lost"); return null; }
        if (r.status === 503) { show("unavailable"); delay = Math.min(delay * 2, 15000); return null; }
        delay = 1500;
        return r.json();
      })
      .then(handle)
      .catch(function () {})
      .then(function () { if (!finished) { setTimeout(poll, delay); } });
  }

  if (window.EventSource) {
    var source = new EventSource(statusUrl, { withCredentials: true });
    source.addEventListener("status", function (event) {
      handle(JSON.parse(event.data));
      if (finished) { source.close(); }
    });
    source.onerror = function () { source.close(); if (!finished) { setTimeout(poll, 1000); } };
  } else {
    poll();
  }

  function tick() {
    var left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    countdown.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left === 0 && !finished) { poll(); }
    if (!finished) { setTimeout(tick, 1000); }
  }
  tick();
}());
