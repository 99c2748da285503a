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

// The child's questions (app/consultations/child_views.py): a live character count for short texts, a kind
// message when a tap goes beyond the most choices, and focus on the new screen's heading after htmx swaps
// it. Without JavaScript the server does the same on each step.
(function () {
  "use strict";
  function setUpQuestions(root) {
    root.querySelectorAll("textarea[data-count]").forEach(function (area) {
      if (area.dataset.bound) { return; }
      area.dataset.bound = "1";
      var out = document.getElementById(area.dataset.count);
      if (!out) { return; }
      var template = out.dataset.template || "{used}";
      area.addEventListener("input", function () {
        out.textContent = template.replace("{used}", String(area.value.length));
      });
    });
    root.querySelectorAll("fieldset[data-max]").forEach(function (set) {
      if (set.dataset.bound) { return; }
      set.dataset.bound = "1";
      var max = parseInt(set.dataset.max, 10);
      var message = set.parentNode.querySelector("[data-max-message]");
      set.addEventListener("change", function (event) {
        var box = event.target;
        if (box.type !== "checkbox") { return; }
        var chosen = set.querySelectorAll("input[type=checkbox]:checked").length;
        if (box.checked && chosen > max) {
          box.checked = false;
          if (message) { message.hidden = false; }
        } else if (message) {
          message.hidden = true;
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setUpQuestions(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    setUpQuestions(document);
    if (event.target && event.target.id === "flow") {
      var heading = document.getElementById("flow-title");
      if (heading) { heading.focus(); }
    }
  });
})();

/* ---- Moderation queue: keyboard shortcuts (a approve, r not shown, e safeguarding, j/k next/previous) ---- */
(function () {
  "use strict";
  function items() { return Array.prototype.slice.call(document.querySelectorAll("[data-queue-item]")); }
  function current() {
    var active = document.activeElement;
    var item = active && active.closest ? active.closest("[data-queue-item]") : null;
    return item || items()[0] || null;
  }
  function move(step) {
    var list = items();
    if (!list.length) { return; }
    var active = document.activeElement;
    if (!(active && active.closest && active.closest("[data-queue-item]"))) {
      list[0].focus();  // nothing chosen yet: the first j (or k) goes to the first comment, not the second (issue 18)
      list[0].scrollIntoView({ block: "nearest" });
      return;
    }
    var index = list.indexOf(current());
    var next = list[Math.max(0, Math.min(list.length - 1, index + step))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }
  function press(key) {
    var item = current();
    if (!item) { return; }
    if (key === "r") {
      var reason = item.querySelector("[data-reason]");
      if (reason && !reason.value) { reason.focus(); return; }  // a reason first (MOD-04)
    }
    var button = item.querySelector('button[data-key="' + key + '"]');
    if (button) { button.click(); }
  }
  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("queue-list")) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var key = event.key;
    // In the reason list, a, r and e still decide (issue 18: r did nothing there); letters elsewhere are typing.
    var inReason = target && target.matches && target.matches("select[data-reason]") && (key === "a" || key === "r" || key === "e");
    if (!inReason && target && target.matches && target.matches("input, select, textarea, [contenteditable]")) { return; }
    if (key === "j") { move(1); } else if (key === "k") { move(-1); } else if (key === "a" || key === "r" || key === "e") { press(key); } else { return; }
    event.preventDefault();
  });
  // After a decision the row is replaced by the next comment: keep the keyboard at the same place in the list.
  var position = 0;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = event.target && event.target.closest ? event.target.closest("[data-queue-item]") : null;
    if (row) { position = items().indexOf(row); }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!document.getElementById("queue-list")) { return; }
    var list = items();
    var next = list[Math.min(position, list.length - 1)] || document.getElementById("queue-status");
    if (next) { next.setAttribute("tabindex", "-1"); next.focus(); }
  });
})();

/* ---- Pictogram choice for options: search by words and keywords (zh and en), preview the chosen one ---- */
(function () {
  "use strict";
  function setUp(root) {
    var row = root.querySelector("[data-pictogram-search-row]");
    var search = root.querySelector("[data-pictogram-search]");
    if (row && search && !search.dataset.ready) {
      search.dataset.ready = "1";
      row.hidden = false;
      search.addEventListener("input", function () {
        var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
        document.querySelectorAll("select[data-pictogram-select] option[value]").forEach(function (option) {
          if (!option.value || option.selected) { option.hidden = false; return; }
          var said = (option.dataset.keywords || "").toLowerCase();
          option.hidden = words.length > 0 && !words.every(function (word) { return said.indexOf(word) >= 0; });
        });
      });
    }
    root.querySelectorAll("select[data-pictogram-select]").forEach(function (select) {
      if (select.dataset.ready) { return; }
      select.dataset.ready = "1";
      select.addEventListener("change", function () {
        var preview = select.parentNode.querySelector("[data-pictogram-preview]");
        if (!preview) { return; }
        preview.hidden = !select.value;
        if (select.value) { preview.src = "/static/img/pictograms/" + select.value + ".svg"; }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSwap", function () { setUp(document); });
})();
