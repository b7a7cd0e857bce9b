// The wall screen: show one page of tiles at a time and rotate every N seconds. htmx replaces the
// pages in place at each refresh; the page shown is remembered here, so a refresh never resets it.
(function () {
  "use strict";
  var current = 0;

  function pages() {
    return document.querySelectorAll("#wall-pages .wall-page");
  }

  function show(index) {
    var all = pages();
    if (!all.length) {
      return;
    }
    current = index % all.length;
    all.forEach(function (page, position) {
      page.hidden = position !== current;
    });
    document.body.dataset.page = String(current);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var seconds = parseInt(document.body.dataset.rotateSeconds, 10) || 15;
    show(0);
    window.setInterval(function () {
      show(current + 1);
    }, seconds * 1000);
    document.body.addEventListener("htmx:afterSwap", function () {
      show(current);
    });
  });
})();
