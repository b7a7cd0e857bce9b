// Small enhancements; every page works without them.

// An action that cannot be undone asks first: a button or form with data-confirm="…" is submitted only
// when the person says yes. Without JavaScript the action goes ahead, as a plain form does.
document.addEventListener("submit", function (event) {
  var submitter = event.submitter;
  var question = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A form sent back with errors: the focus goes to its summary, whose links lead to each field, so a
// keyboard or screen-reader user starts where the problem is told.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
});
