(function () {
  "use strict";
  // The filters of the timeline page. Data comes from the JSON block; every
  // listener is attached here (the page's CSP forbids inline handlers).
  var data = JSON.parse(document.getElementById("timeline-data").textContent);
  var controls = document.getElementById("controls");
  var search = document.getElementById("search");
  var from = document.getElementById("date-from");
  var to = document.getElementById("date-to");
  var shown = document.getElementById("shown-count");
  var empty = document.getElementById("empty");
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="association"]'));
  var counts = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-count-for]"), function (node) {
    counts[node.getAttribute("data-count-for")] = node;
  });
  var marks = {};
  Array.prototype.forEach.call(document.querySelectorAll(".overview .mark"), function (node) {
    marks[node.getAttribute("data-i")] = node;
  });

  function fold(text) {
    return (text.normalize ? text.normalize("NFKC") : text).toLowerCase();
  }

  var events = data.events.map(function (row, index) {
    var item = document.getElementById("event-" + row[0]);
    return {
      item: item,
      lane: row[1],
      start: row[2],
      end: row[3],
      text: item ? fold(item.textContent.replace(/\s+/g, " ")) : "",
      mark: marks[String(index)] || null
    };
  });
  var groups = Array.prototype.slice.call(document.querySelectorAll(".chronology .month"));
  var years = Array.prototype.slice.call(document.querySelectorAll(".chronology .year"));

  function selectedLanes() {
    var lanes = {};
    boxes.forEach(function (box) {
      if (box.checked) lanes[box.value] = true;
    });
    return lanes;
  }

  function apply() {
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    var since = from.value;
    var until = to.value;
    var lanes = selectedLanes();
    var perLane = {};
    var total = 0;
    events.forEach(function (event) {
      var textOk = words.every(function (word) { return event.text.indexOf(word) !== -1; });
      var dateOk = (!since || event.end >= since) && (!until || event.start <= until);
      var visible = textOk && dateOk && lanes[String(event.lane)] === true;
      if (textOk && dateOk) perLane[event.lane] = (perLane[event.lane] || 0) + 1;
      if (visible) total += 1;
      if (event.item) event.item.hidden = !visible;
      if (event.mark) event.mark.classList.toggle("off", !visible);
    });
    Object.keys(counts).forEach(function (lane) {
      var count = perLane[lane] || 0;
      counts[lane].textContent = String(count);
      counts[lane].classList.toggle("zero", count === 0);
    });
    groups.concat(years).forEach(function (section) {
      section.hidden = !section.querySelector(".event:not([hidden])");
    });
    shown.textContent = String(total);
    empty.hidden = total !== 0;
  }

  function reset() {
    search.value = "";
    from.value = "";
    to.value = "";
    boxes.forEach(function (box) { box.checked = true; });
    apply();
  }

  function reveal() {
    // A permalink to an event the filters hide shows everything again.
    var id;
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (error) {
      return; // not an address of ours
    }
    var target = id && document.getElementById(id);
    if (target && target.classList.contains("event") && target.hidden) {
      reset();
      target.scrollIntoView();
    }
  }

  search.addEventListener("input", apply);
  from.addEventListener("input", apply);
  to.addEventListener("input", apply);
  from.addEventListener("change", apply);
  to.addEventListener("change", apply);
  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("associations-all").addEventListener("click", function () {
    boxes.forEach(function (box) { box.checked = true; });
    apply();
  });
  document.getElementById("associations-none").addEventListener("click", function () {
    boxes.forEach(function (box) { box.checked = false; });
    apply();
  });
  window.addEventListener("hashchange", reveal);
  controls.hidden = false;
  apply();
})();
