// Attendance roster: a running count, "everyone not marked: present", and a warning before
// leaving with unsaved marks. The roster works without this file. Saving through the phone's
// queue (offline attendance) is offline-page.js.
(function () {
  "use strict";
  var form = document.querySelector("[data-roster]");
  if (!form) {
    return;
  }
  var count = form.querySelector("[data-roster-count]");
  var allPresent = form.querySelector("[data-roster-all-present]");
  var groups = Array.prototype.slice.call(form.querySelectorAll("fieldset"));
  var dirty = false;

  function isMarked(group) {
    return group.querySelector("input[type=radio]:checked") !== null;
  }

  function update() {
    if (!count) {
      return;
    }
    var marked = groups.filter(isMarked).length;
    count.textContent = count.dataset.template
      .replace("%(marked)s", marked)
      .replace("%(total)s", groups.length);
  }

  form.addEventListener("change", function () {
    dirty = true;
    update();
  });

  if (allPresent) {
    allPresent.classList.remove("d-none");
    allPresent.addEventListener("click", function () {
      groups.forEach(function (group) {
        if (!isMarked(group)) {
          var present = group.querySelector("input[value=present]");
          if (present && !present.disabled) {
            present.checked = true;
            dirty = true;
          }
        }
      });
      update();
    });
  }

  form.addEventListener("submit", function () {
    dirty = false;
  });
  // offline-page.js: marks restored from the phone's queue, and a save kept on the phone.
  form.addEventListener("roster:refresh", update);
  form.addEventListener("roster:saved", function () {
    dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  update();
})();
