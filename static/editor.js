// The question editor's live preview: as the instructor types, the form is
// posted (debounced) to the preview endpoint and the rendered fragment, the
// same markup students see, replaces the preview. Without this script the
// form's "Preview" button does the same with a full page.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  var target = document.getElementById("preview");
  if (!form || !target || !window.fetch) return;
  var url = form.getAttribute("data-preview");
  var timer = null;
  var sent = 0;

  function refresh() {
    var body = new URLSearchParams(new FormData(form));
    body.delete("action");
    var token = body.get("csrf_token") || "";
    var n = ++sent;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token },
      body: body.toString()
    }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      // A slow answer to an older keystroke must not overwrite a newer one.
      if (html !== null && n === sent) target.innerHTML = html;
    }).catch(function () { /* the preview button still works */ });
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
