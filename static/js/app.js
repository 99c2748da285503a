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
  document.addEventListener("DOMContentLoaded", function () { setUpReadAloud(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setUpReadAloud(event.target); });
})();
