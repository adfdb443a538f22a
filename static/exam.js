// Autosave and countdown for the exam page. The server owns time and
// answers; this script only saves sooner and shows the clock.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  var status = document.getElementById("save-status");
  if (form) {
    // Saves go out one after another, so a later click can never be
    // overtaken by an earlier one on the way to the server.
    var queue = Promise.resolve();
    var post = function (body) {
      status.textContent = status.dataset.saving;
      body.append("position", form.dataset.position);
      queue = queue.then(function () { return send(body); });
      return queue;
    };
    var send = function (body) {
      return fetch(form.dataset.saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-Save-Token": form.dataset.saveToken },
        body: new URLSearchParams(body)
      }).then(function (r) {
        if (r.status === 204) { status.textContent = status.dataset.saved; return; }
        return r.json().then(function (j) { status.textContent = j.error || ""; }, function () { status.textContent = ""; });
      }, function () { status.textContent = ""; });
    };
    form.addEventListener("change", function (e) {
      var t = e.target;
      var body = new URLSearchParams();
      if (t.name === "choice") {
        form.querySelectorAll("input[name=choice]:checked").forEach(function (c) { body.append("choice", c.value); });
        post(body);
      } else if (t.name === "flag") {
        body.append("flag", t.checked ? "on" : "off");
        post(body);
      }
    });
  }
  var timer = document.getElementById("timer");
  if (timer) {
    var end = Date.now() + Number(timer.dataset.remaining) * 1000;
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
      timer.textContent = h + ":" + (m < 10 ? "0" : "") + m + ":" + (r < 10 ? "0" : "") + r;
      if (s === 0) { timer.textContent = timer.dataset.expired; window.location.reload(); return; }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
