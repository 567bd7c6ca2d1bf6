(function () {
  "use strict";
  // Served over http(s), a feed's relative link becomes a webcal:// subscription
  // on the same host; opened from file:// it stays a plain download link.
  if (location.protocol !== "http:" && location.protocol !== "https:") return;
  Array.prototype.forEach.call(document.querySelectorAll("a.subscribe[data-feed]"), function (link) {
    var url = new URL(link.getAttribute("href"), location.href);
    link.setAttribute("href", "webcal://" + url.host + url.pathname);
  });
  var note = document.getElementById("local-note");
  if (note) note.hidden = true;
})();
