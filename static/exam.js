// Autosave and countdown for the exam page. The server owns time and
// answers; this script only saves sooner and shows the clock.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  var status = document.getElementById("save-status");
  if (form) {
    // Pending saves, one slot per kind: a newer choice replaces an older one
    // that has not gone out yet, so a retry always sends the latest answer.
    // One save is in flight at a time, so a later click can never be
    // overtaken by an earlier one on the way to the server.
    var pending = { choice: null, flag: null };
    var busy = false;
    // Seconds between retries after a network failure or a 5xx.
    var backoff = [1, 2, 4, 8, 16];
    var show = function (text, failed) {
      status.textContent = text;
      status.classList.toggle("save-error", !!failed);
    };
    var attempt = function (body) {
      return fetch(form.dataset.saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-Save-Token": form.dataset.saveToken },
        body: body
      }).then(function (r) {
        if (r.status === 204) { return { ok: true }; }
        // The token was revoked (signed out elsewhere, password changed): the
        // form post on the next move carries the answer with the session.
        if (r.status === 403) { return { ok: false, retry: false, error: status.dataset.revoked }; }
        var retry = r.status >= 500 || r.status === 429;
        return r.json().then(function (j) {
          return { ok: false, retry: retry, error: j.error };
        }, function () { return { ok: false, retry: retry }; });
      }, function () { return { ok: false, retry: true }; });
    };
    var next = function () {
      var kind = pending.choice ? "choice" : (pending.flag ? "flag" : null);
      if (!kind) { busy = false; return; }
      busy = true;
      var body = pending[kind];
      pending[kind] = null;
      var tries = 0;
      var go = function () {
        attempt(body).then(function (res) {
          if (res.ok) {
            if (!pending.choice && !pending.flag) { show(status.dataset.saved, false); }
            return next();
          }
          if (!res.retry) {
            // The server refused this save for good (time up, locked…): say why.
            show(res.error || status.dataset.failed, true);
            return next();
          }
          if (tries >= backoff.length) {
            show(status.dataset.failed, true);
            return next();
          }
          show(status.dataset.retrying, true);
          var wait = backoff[tries] * 1000 * (window.examdrillRetryScale || 1);
          tries += 1;
          setTimeout(function () {
            // A newer answer of the same kind supersedes this one.
            if (pending[kind]) { body = pending[kind]; pending[kind] = null; }
            go();
          }, wait);
        });
      };
      go();
    };
    var post = function (kind, body) {
      body.append("position", form.dataset.position);
      pending[kind] = body;
      if (navigator.onLine === false) { show(status.dataset.offline, true); }
      else if (!status.classList.contains("save-error")) { show(status.dataset.saving, false); }
      if (!busy) { next(); }
    };
    // Going offline is said at once, not only after the retries run out;
    // coming back sends whatever is still waiting.
    window.addEventListener("offline", function () { show(status.dataset.offline, true); });
    window.addEventListener("online", function () {
      if (!busy && (pending.choice || pending.flag)) { next(); }
    });
    // Alt+N / Alt+P / Alt+F: next, previous, flag. A modifier keeps them
    // clear of screen readers' single-letter keys; typing in a text field
    // is never taken over.
    document.addEventListener("keydown", function (e) {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.isComposing) { return; }
      var t = e.target;
      if (t && (t.isContentEditable || /^(TEXTAREA|SELECT)$/.test(t.tagName) ||
                (t.tagName === "INPUT" && !/^(radio|checkbox|button|submit)$/.test(t.type)))) { return; }
      var press = function (id) {
        var b = document.getElementById(id);
        if (b) { e.preventDefault(); b.click(); }
      };
      if (e.code === "KeyN") { press("next"); }
      else if (e.code === "KeyP") { press("prev"); }
      else if (e.code === "KeyF") { press("flag"); }
    });
    form.addEventListener("change", function (e) {
      var t = e.target;
      var body = new URLSearchParams();
      if (t.name === "choice") {
        form.querySelectorAll("input[name=choice]:checked").forEach(function (c) { body.append("choice", c.value); });
        post("choice", body);
      } else if (t.name === "flag") {
        body.append("flag", t.checked ? "on" : "off");
        post("flag", body);
      }
    });
  }
  var timer = document.getElementById("timer");
  var warning = document.getElementById("time-warning");
  if (timer) {
    var end = Date.now() + Number(timer.dataset.remaining) * 1000;
    // The server already showed the warning due at page load; the script
    // only announces a threshold crossed while the page is open.
    var first = Number(timer.dataset.warn15At), last = Number(timer.dataset.warn5At);
    var left = Number(timer.dataset.remaining);
    var warned = left <= last ? 5 : (left <= first ? 15 : 0);
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
      timer.textContent = h + ":" + (m < 10 ? "0" : "") + m + ":" + (r < 10 ? "0" : "") + r;
      if (warning && s <= last && warned !== 5) { warned = 5; warning.textContent = timer.dataset.warn5; }
      else if (warning && s <= first && warned === 0) { warned = 15; warning.textContent = timer.dataset.warn15; }
      if (s === 0) { timer.textContent = timer.dataset.expired; window.location.reload(); return; }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
