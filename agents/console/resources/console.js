// counterscan review console: keyboard and double-submit guard. No inline script anywhere:
// the Content-Security-Policy allows scripts from this file only.
(function () {
  "use strict";
  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  function decide(action) {
    var form = document.getElementById("decide");
    var button = document.getElementById("decide-" + action);
    if (!form || !button || form.dataset.sent) return;
    button.click();
  }
  function follow(id) {
    var a = document.getElementById(id);
    if (a) window.location.assign(a.href);
  }
  function moveRow(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tr.item"));
    if (!rows.length) return;
    var at = rows.findIndex(function (r) { return r.classList.contains("current"); });
    var next = Math.max(0, Math.min(rows.length - 1, at < 0 ? 0 : at + step));
    rows.forEach(function (r) { r.classList.remove("current"); });
    rows[next].classList.add("current");
    rows[next].scrollIntoView({block: "nearest"});
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "decide") return;
    if (form.dataset.sent) { event.preventDefault(); return; }  // a double click counts once
    form.dataset.sent = "1";
    // disable after the submission has taken the pressed button's value
    setTimeout(function () {
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
    }, 0);
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var page = document.body.dataset.page;
    if (page === "card") {
      if (event.key === "c") decide("counterfeit");
      else if (event.key === "g") decide("genuine");
      else if (event.key === "e") decide("escalate");
      else if (event.key === "j") follow("next");
      else if (event.key === "k") follow("previous");
      else return;
      event.preventDefault();
    } else if (page === "queue") {
      if (event.key === "j") moveRow(1);
      else if (event.key === "k") moveRow(-1);
      else if (event.key === "Enter") {
        var row = document.querySelector("#queue tr.item.current") || document.querySelector("#queue tr.item");
        if (row) row.querySelector("a.open-item").click();
      } else return;
      event.preventDefault();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.page === "queue") moveRow(0);
  });
})();
