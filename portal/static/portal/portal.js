/* Behaviour shared by every page; everything here only improves pages that work without it. */
(function () {
  "use strict";
  var phone = window.matchMedia("(max-width: 767.98px)");

  /* A list's filters (includes/_filters.html): closed on a phone, so that results come first;
     the button says how many filters are active. Left open when a filter has an error.
     The later steps of a long form (people/_form_step.html) fold the same way. */
  if (phone.matches) {
    document.querySelectorAll("details[data-phone-closed]:not([data-has-errors])").forEach(
      function (panel) { panel.open = false; }
    );
  }

  /* "Next: …" at the end of a form step opens the next step (folded on a phone) and moves
     there; without JavaScript it is a plain link to the open section. */
  document.querySelectorAll("a[data-open-step]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var step = document.getElementById(link.getAttribute("href").slice(1));
      if (!step) { return; }
      event.preventDefault();
      step.open = true;
      step.scrollIntoView();
      step.querySelector("summary").focus({ preventScroll: true });
    });
  });

  /* The error summary (includes/_error_summary.html), GOV.UK's pattern: focused after a failed
     save, so that it is read first; a link in it opens the field's section, focuses the field
     and shows its label. */
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) { return; }
    event.preventDefault();
    var section = field.closest("details");
    if (section) { section.open = true; }
    var group = field.closest("fieldset");
    var label = document.querySelector("label[for='" + field.id + "']");
    var legend = group && group.querySelector("legend");
    var shown = field.type === "checkbox" || field.type === "radio" ? legend || label : label;
    (shown || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
