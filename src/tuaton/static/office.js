// The officer's station: follow the visit until the citizen's app completes it, and count the QR down.
(function () {
  "use strict";
  var visit = document.getElementById("office-visit");
  var countdown = document.getElementById("office-countdown");
  if (countdown) {
    var left = parseInt(countdown.getAttribute("data-seconds"), 10);
    var tick = setInterval(function () {
      left = Math.max(0, left - 1);
      countdown.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      if (left === 0) { clearInterval(tick); }
    }, 1000);
  }
  function poll() {
    fetch(visit.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        var shown = body.state;    // completing the enrolment completes the visit in the same transaction
        if (shown !== visit.getAttribute("data-state") && (shown === "app_bound" || shown === "completed" || shown === "cancelled")) {
          // The page itself says the rest (level, next steps): load it afresh (a GET, never a re-POST).
          location.assign(visit.getAttribute("data-visit-url"));
          return;
        }
        if (shown !== "completed" && shown !== "cancelled") { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
