// Behaviour the templates ask for with data attributes (no inline handlers: the
// Content-Security-Policy allows scripts from our static files only).
//   data-autosubmit      on a field: submit its form when the value changes
//   data-confirm="…"     on a form: ask before it is submitted
//   data-select-on-click on an input: select its text when clicked (copy a link)
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      if (field.form.requestSubmit) { field.form.requestSubmit(); } else { field.form.submit(); }
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-select-on-click]")) { field.select(); }
  });
})();
