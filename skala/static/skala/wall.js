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
    // A revoked or replaced link answers 404: reload, so the screen shows that page instead of the
    // last figures (htmx leaves the old tiles in place on an error). A server that is down, or a 5xx,
    // keeps the last figures until the next refresh succeeds.
    document.body.addEventListener("htmx:responseError", function (event) {
      if (event.detail.xhr && event.detail.xhr.status === 404) {
        window.location.reload();
      }
    });
    // The browser keeps a resource-timing entry for every refresh, up to its buffer of 250 a page;
    // nothing here reads them, and a screen that runs for weeks should not keep them.
    document.body.addEventListener("htmx:afterRequest", function () {
      if (window.performance && window.performance.clearResourceTimings) {
        window.performance.clearResourceTimings();
      }
    });
  });
})();
