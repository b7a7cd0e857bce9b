// An action that cannot be undone asks first: a button or form with data-confirm="…" is submitted only
// when the person says yes. Without JavaScript the action goes ahead, as a plain form does.
document.addEventListener("submit", function (event) {
  var submitter = event.submitter;
  var question = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
