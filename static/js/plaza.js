// Small enhancements that need a script; every page works without it.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    // A form with data-confirm asks before it is sent (deleting a rule).
    // Without the script it is sent at once: nothing it does is lost
    // for good.
    document.addEventListener("submit", function (e) {
      var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) e.preventDefault();
    });
    // A "select all" box ticks every checkbox of the named group in its
    // form. It is hidden until this script shows it.
    document.querySelectorAll("input[data-select-all]").forEach(function (box) {
      var label = box.closest("label");
      if (label) label.hidden = false;
      var name = box.getAttribute("data-select-all");
      var group = function () {
        return box.form ? box.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]') : [];
      };
      box.addEventListener("change", function () {
        group().forEach(function (c) { c.checked = box.checked; });
      });
    });
  });
})();
