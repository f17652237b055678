// Small enhancements that need a script; every page works without it.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  // The error summary of a form that came back with mistakes (templates
  // formErrors): its list in the order of the fields on the page, then
  // the focus on it, so a phone shows it and a screen reader reads it
  // (the page opens at it through the form's #error-summary even
  // without this script). A link in it focuses its field and scrolls
  // the field's label or legend into view, so the question shows too.
  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    var list = summary.querySelector("ul");
    var target = function (a) {
      var id = decodeURIComponent(a.getAttribute("href").slice(1));
      // A control without the usual id is found by its form name.
      return document.getElementById(id) || document.getElementsByName(id.replace(/^f-/, ""))[0] || null;
    };
    if (list) {
      var items = Array.prototype.slice.call(list.children);
      var pos = function (li) {
        var a = li.querySelector("a");
        return a ? target(a) : null;
      };
      items.sort(function (x, y) {
        var a = pos(x), b = pos(y);
        if (!a || !b || a === b) return (a ? 1 : 0) - (b ? 1 : 0);
        return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
      });
      items.forEach(function (li) { list.appendChild(li); });
    }
    summary.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[href^='#']");
      if (!a) return;
      var field = target(a);
      if (!field) return;
      e.preventDefault();
      var group = field.closest("fieldset");
      var label = field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
      var heading = group && group.querySelector("legend") || label || field.closest("label") || field;
      heading.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
    summary.focus();
  }
  // A "copy link" button (a notice's share links) is hidden until this
  // script can copy; the link beside it stays for copying by hand.
  function copyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("button[data-copy]").forEach(function (btn) {
      var status = btn.parentNode.querySelector("[data-copied]");
      btn.hidden = false;
      btn.addEventListener("click", function () {
        navigator.clipboard.writeText(btn.getAttribute("data-copy")).then(function () {
          if (status) status.textContent = status.getAttribute("data-copied");
        }, function () {});
      });
    });
  }
  ready(function () {
    errorSummary();
    copyButtons();
    // A form with data-confirm asks before it is sent (deleting a rule).
    // Without the script it is sent at once: nothing it does is lost
    // for good.
    document.addEventListener("submit", function (e) {
      var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) e.preventDefault();
    });
    // A list of saved replies fills the reply box named by data-fills as
    // soon as one is chosen; its button is the way without JavaScript.
    document.querySelectorAll("select[data-fills]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var box = document.getElementById(sel.getAttribute("data-fills"));
        var opt = sel.options[sel.selectedIndex];
        if (!box || !opt || !opt.hasAttribute("data-body")) return;
        box.value = opt.getAttribute("data-body");
        box.focus();
      });
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
