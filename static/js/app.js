// Yimi's only script: progressive enhancement. Every page works without it.
(function () {
  "use strict";
  // CSRF: htmx requests carry the per-session token in a header (plain forms use the hidden field).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.content; }
  });

  // Read-aloud (A11Y-30) with the browser's own speech synthesis: nothing is sent anywhere.
  function setUpReadAloud(root) {
    if (!("speechSynthesis" in window)) { return; }
    root.querySelectorAll("button.read-aloud[data-read]").forEach(function (button) {
      button.hidden = false;
      if (button.dataset.bound) { return; }
      button.dataset.bound = "1";
      button.addEventListener("click", function () {
        var text = Array.prototype.map.call(document.querySelectorAll(button.dataset.read), function (el) {
          return el.innerText;
        }).join("\n");
        window.speechSynthesis.cancel();
        var utterance = new SpeechSynthesisUtterance(text);
        utterance.lang = document.body.dataset.speechLang || "zh-CN";
        utterance.rate = 0.9;
        window.speechSynthesis.speak(utterance);
      });
    });
  }
  // A11Y-07: on a child's page, warn before the idle sign-out and let one tap keep the session.
  function setUpIdleWarning() {
    var body = document.body;
    var warnAfter = parseInt(body.dataset.idleWarn || "0", 10);
    var endAfter = parseInt(body.dataset.idleEnd || "0", 10);
    var dialog = document.getElementById("idle-warning");
    if (!warnAfter || !endAfter || !dialog) { return; }
    var warnTimer, endTimer;
    function start() {
      clearTimeout(warnTimer); clearTimeout(endTimer);
      warnTimer = setTimeout(function () {
        dialog.hidden = false;
        var button = document.getElementById("still-here");
        if (button) { button.focus(); }
      }, warnAfter * 1000);
      endTimer = setTimeout(function () { window.location.assign("/tablet?away=1"); }, endAfter * 1000);
    }
    document.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("#idle-warning")) {
        dialog.hidden = true;
        start();
      }
    });
    start();
  }

  // Picture code (A11Y-08): collect the taps on the tablet, show the dots at once, send the code once.
  function setUpPictureCode(root) {
    root.querySelectorAll("form[data-picture-code]").forEach(function (form) {
      if (form.dataset.bound) { return; }
      form.dataset.bound = "1";
      var entered = form.querySelector("input[name=entered]");
      var texts = JSON.parse(form.dataset.progress || "[]");
      var picks = entered.value ? entered.value.split(",") : [];
      var card = form.closest(".code-card") || document;
      var sending = false;
      function show() {
        card.querySelectorAll(".code-progress .dot").forEach(function (dot, i) {
          dot.classList.toggle("filled", i < picks.length);
        });
        var status = card.querySelector("[data-progress-text]");
        if (status && texts[picks.length]) { status.textContent = texts[picks.length]; }
        var clear = form.querySelector("button[name=clear]");
        if (clear) { clear.hidden = picks.length === 0; }
      }
      form.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (!button || !form.contains(button)) { return; }
        if (button.name === "clear") {
          event.preventDefault();
          picks = [];
          show();
          return;
        }
        if (button.name !== "pick") { return; }
        event.preventDefault();
        if (sending) { return; }
        picks.push(button.value);
        show();
        if (picks.length < texts.length - 1) { return; }
        sending = true;
        entered.value = picks.slice(0, -1).join(",");
        var pick = document.createElement("input");
        pick.type = "hidden";
        pick.name = "pick";
        pick.value = picks[picks.length - 1];
        form.appendChild(pick);
        form.requestSubmit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpReadAloud(document);
    setUpIdleWarning();
    setUpPictureCode(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) { setUpPictureCode(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setUpReadAloud(event.target); });
})();
