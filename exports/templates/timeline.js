(function () {
  "use strict";
  // The timeline page's behaviour: filters, the zoomable overview, reviews kept
  // in this browser. Data comes from the JSON block; every listener is attached
  // here (the page's CSP forbids inline handlers) and nothing is ever sent.
  var data = JSON.parse(document.getElementById("timeline-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var all = function (selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  };
  var controls = $("controls");
  var search = $("search");
  var from = $("date-from");
  var to = $("date-to");
  var shown = $("shown-count");
  var empty = $("empty");
  var boxes = all('input[name="association"]');
  var counts = {};
  all("[data-count-for]").forEach(function (node) { counts[node.getAttribute("data-count-for")] = node; });
  var yearCounts = {};
  all("[data-year-count]").forEach(function (node) { yearCounts[node.getAttribute("data-year-count")] = node; });
  var marks = {};
  all(".overview .ov-mark[data-i]").forEach(function (node) { marks[node.getAttribute("data-i")] = node; });
  var ROOT = data.root || "";

  function fold(text) {
    return (text.normalize ? text.normalize("NFKC") : text).toLowerCase();
  }

  var DAY = 86400000;
  function day(iso) { return Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY; }
  function iso(number) { return new Date(number * DAY).toISOString().slice(0, 10); }

  var onPage = {};
  var onPageIds = {};
  var events = data.events.map(function (row) {
    var item = $("event-" + row[0]);
    onPage[row[6]] = true;
    onPageIds[row[0]] = true;
    return {
      id: row[0], lane: row[1], start: row[2], end: row[3], title: row[4], status: row[5], n: row[6],
      first: day(row[2]), last: day(row[3]) + 1,
      item: item,
      text: item ? fold(item.textContent.replace(/\s+/g, " ")) : "",
      mark: marks[String(row[6])] || null
    };
  });
  // Marks that stand for no card of this page (counts, events of other pages).
  var otherMarks = all(".overview .ov-mark").filter(function (node) {
    return !onPage[node.getAttribute("data-i")];
  });

  // --- pieces: data files loaded as script elements (works from file://, no fetch) ---

  var pieces = {};
  function piece(name) {
    if (!pieces[name]) {
      var entry = { done: false };
      entry.promise = new Promise(function (resolve, reject) { entry.resolve = resolve; entry.reject = reject; });
      pieces[name] = entry;
    }
    return pieces[name];
  }
  window.timelinePiece = function (name, value) {
    var entry = piece(name);
    entry.data = value;
    entry.done = true;
    entry.resolve(value);
  };
  function load(name) {
    var entry = piece(name);
    if (!entry.requested) {
      entry.requested = true;
      var script = document.createElement("script");
      script.src = ROOT + "search/" + name + ".js";
      script.addEventListener("error", function () { entry.reject(new Error("missing search/" + name + ".js")); });
      document.head.appendChild(script);
    }
    return entry.promise;
  }
  // Hover texts, set here so that no text of a document stands in an attribute of
  // the HTML: a cut title shows the whole one, a lane label the whole name.
  events.forEach(function (event) {
    var heading = event.item && event.item.querySelector(".title");
    if (heading && heading.textContent !== event.title) heading.title = event.title;
  });
  all(".ov-lanes li").forEach(function (item, index) {
    if (data.associations[index]) item.title = data.associations[index];
  });
  var groups = all(".chronology .month");
  var years = all(".chronology .year");

  // --- filters -------------------------------------------------------------------

  function selectedLanes() {
    var lanes = {};
    boxes.forEach(function (box) { if (box.checked) lanes[box.value] = true; });
    return lanes;
  }

  function apply() {
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    var since = from.value;
    var until = to.value;
    var lanes = selectedLanes();
    var perLane = {};
    var perYear = {};
    var total = 0;
    events.forEach(function (event) {
      var textOk = words.every(function (word) { return event.text.indexOf(word) !== -1; });
      var dateOk = (!since || event.end >= since) && (!until || event.start <= until);
      var visible = textOk && dateOk && lanes[String(event.lane)] === true;
      if (textOk && dateOk) perLane[event.lane] = (perLane[event.lane] || 0) + 1;
      if (visible) {
        total += 1;
        var year = event.start.slice(0, 4).replace(/^0+/, "");
        perYear[year] = (perYear[year] || 0) + 1;
      }
      if (event.item) event.item.hidden = !visible;
      if (event.mark) event.mark.classList.toggle("off", !visible);
    });
    Object.keys(counts).forEach(function (lane) {
      var count = perLane[lane] || 0;
      counts[lane].textContent = String(count);
      counts[lane].classList.toggle("zero", count === 0);
    });
    Object.keys(yearCounts).forEach(function (year) {
      var count = perYear[year] || 0;
      yearCounts[year].textContent = String(count);
      yearCounts[year].classList.toggle("zero", count === 0);
    });
    otherMarks.forEach(function (mark) {
      mark.classList.toggle("off", lanes[mark.getAttribute("data-lane")] !== true);
    });
    groups.concat(years).forEach(function (section) {
      section.hidden = !section.querySelector(".event:not([hidden])");
    });
    searchCorpus(words, since, until, lanes);
    shown.textContent = String(total);
    $("filter-summary").textContent = "显示 " + total + " / " + events.length;
    empty.hidden = total !== 0;
  }

  // --- search across every year: each span's index pieces, loaded for the query's pairs ---
  // search/years.js: {span: years per index, spans: [[first year, shards, [[year, events]...]]...]};
  // a span's pieces are p<first>g<k> (postings of its events, a section per year) and p<first>e<c>
  // (summaries: id, association, dates, title, folded text). A year's page skips its own
  // year's places; any other page's own events are told by their id once their summary is read.

  var SEARCH = data.search || null;
  var LIMIT = 100;
  var results = $("results");
  var resultsList = $("results-list");
  var resultsStatus = $("results-status");
  var searchRun = 0;
  var decoded = {};

  function shardOf(gram, shards) {
    var h = 0;
    for (var i = 0; i < gram.length; i += 1) h = (Math.imul(h, 31) + gram.charCodeAt(i)) >>> 0;
    return h % shards;
  }
  function pairs(word) {
    var chars = Array.from(word);
    var found = [];
    for (var i = 0; i + 1 < chars.length; i += 1) found.push(chars[i] + chars[i + 1]);
    return found;
  }
  // A shard holds a section per year of its span ({pair: [place in the year, differences...]});
  // a place in the span adds the events of the span's earlier years.
  function postings(entry, gram) {
    var key = entry[0] + " " + gram;
    if (decoded[key]) return decoded[key];
    var sections = pieces["p" + entry[0] + "g" + shardOf(gram, entry[1])].data;
    var numbers = [];
    for (var y = 0, first = 0; y < sections.length; first += entry[2][y][1], y += 1) {
      var deltas = sections[y][gram];
      if (!deltas) continue;
      for (var i = 0, at = first; i < deltas.length; i += 1) { at += deltas[i]; numbers.push(at); }
    }
    decoded[key] = numbers;
    return numbers;
  }
  // A year's page holds every event of its year: the places [from, to) of that year in a span.
  var OWN_YEAR = data.kind === "year" && typeof data.year === "number" ? data.year : null;
  function ownPlaces(years) {
    for (var i = 0, at = 0; i < years.length; at += years[i][1], i += 1) {
      if (years[i][0] === OWN_YEAR) return [at, at + years[i][1]];
    }
    return null;
  }
  function intersect(a, b) {
    var out = [];
    for (var i = 0, j = 0; i < a.length && j < b.length;) {
      if (a[i] === b[j]) { out.push(a[i]); i += 1; j += 1; } else if (a[i] < b[j]) i += 1; else j += 1;
    }
    return out;
  }
  function finish(run, query, shown, more) {
    if (run !== searchRun) return;
    results.setAttribute("data-query", query);
    results.hidden = !shown.length;
    resultsStatus.textContent = shown.length
      ? "本页以外" + (more ? "至少还有 " : "还有 ") + shown.length + " 条" + (more ? "，显示最新的 " + shown.length + " 条" : "")
      : "";
    while (resultsList.firstChild) resultsList.removeChild(resultsList.firstChild);
    shown.forEach(function (row) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = ROOT + "years/" + (+row[2].slice(0, 4)) + ".html#event-" + row[0];
      var when = document.createElement("time");
      when.dateTime = row[2];
      when.textContent = row[2] + (row[3] !== row[2] ? "—" + row[3] : "");
      link.appendChild(when);
      link.appendChild(document.createTextNode(" " + row[4]));
      item.appendChild(link);
      var who = document.createElement("span");
      who.className = "association";
      who.textContent = row[1];
      item.appendChild(document.createTextNode(" "));
      item.appendChild(who);
      resultsList.appendChild(item);
    });
  }
  // The shared piece is small: asked for at once, so a first search waits only for its shards.
  if (SEARCH) load("years").catch(function () { return null; });

  function searchCorpus(words, since, until, lanes) {
    var run = (searchRun += 1);
    var query = words.join(" ");
    if (!SEARCH || !words.length) { finish(run, query, [], false); return; }
    var grams = [];
    words.forEach(function (word) { grams = grams.concat(pairs(word)); });
    if (!grams.length) {
      finish(run, query, [], false);
      resultsStatus.textContent = "搜索全部年份请至少输入两个字。";
      results.hidden = false;
      return;
    }
    // An association of this page whose box is unchecked is left out (by name).
    var off = {};
    boxes.forEach(function (box) { if (!lanes[box.value]) off[data.associations[box.value]] = true; });
    load("years").then(function (index) {
      if (run !== searchRun) return undefined;
      // An event is filed under its start's year: none after the last day asked for.
      var spans = index.spans.filter(function (entry) { return !until || entry[0] <= +until.slice(0, 4); });
      var wanted = [];
      spans.forEach(function (entry) {
        var seen = {};
        grams.forEach(function (gram) {
          var name = "p" + entry[0] + "g" + shardOf(gram, entry[1]);
          if (!seen[name]) { seen[name] = true; wanted.push(load(name)); }
        });
      });
      return Promise.all(wanted).then(function () { return spans; });
    }).then(function (spans) {
      if (!spans || run !== searchRun) return;
      // Candidates per span, the newest span first; each span's places ascending.
      var found = [];
      spans.slice().reverse().forEach(function (entry) {
        var candidates = null;
        grams.map(function (gram) { return postings(entry, gram); })
          .sort(function (a, b) { return a.length - b.length; })
          .forEach(function (list) { candidates = candidates === null ? list : intersect(candidates, list); });
        var own = OWN_YEAR === null ? null : ownPlaces(entry[2]);
        if (own) candidates = candidates.filter(function (place) { return place < own[0] || place >= own[1]; });
        if (candidates.length) found.push([entry[0], candidates]);
      });
      var shown = [];
      var s = 0;
      var at = found.length ? found[0][1].length - 1 : -1;
      function step() {
        if (run !== searchRun) return;
        while (s < found.length && at < 0) { s += 1; at = s < found.length ? found[s][1].length - 1 : -1; }
        if (s >= found.length || shown.length >= LIMIT) { finish(run, query, shown, s < found.length); return; }
        var span = found[s][0];
        var places = found[s][1];
        var chunk = Math.floor(places[at] / SEARCH.chunk);
        load("p" + span + "e" + chunk).then(function (rows) {
          for (; at >= 0 && Math.floor(places[at] / SEARCH.chunk) === chunk && shown.length < LIMIT; at -= 1) {
            var row = rows[places[at] - chunk * SEARCH.chunk];
            var ok = words.every(function (word) { return row[5].indexOf(word) !== -1; }) &&
              (!since || row[3] >= since) && (!until || row[2] <= until) && !off[row[1]] && !onPageIds[row[0]];
            if (ok) shown.push(row);
          }
          step();
        }, function () { finish(run, query, shown, false); });
      }
      step();
    }).catch(function () { finish(run, query, [], false); });
  }

  function reset() {
    search.value = "";
    from.value = "";
    to.value = "";
    boxes.forEach(function (box) { box.checked = true; });
    apply();
  }

  function flash(item) {
    item.classList.remove("flash");
    void item.offsetWidth; // restart the highlight
    item.classList.add("flash");
    window.setTimeout(function () { item.classList.remove("flash"); }, 2500);
  }

  function reveal() {
    // A link to an event the filters hide shows everything again.
    var id;
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (error) {
      return; // not an address of ours
    }
    var target = id && document.getElementById(id);
    if (target && target.classList.contains("event")) {
      if (target.hidden) {
        reset();
        target.scrollIntoView();
      }
      flash(target);
    }
  }

  search.addEventListener("input", apply);
  [from, to].forEach(function (input) {
    input.addEventListener("input", apply);
    input.addEventListener("change", apply);
  });
  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  $("reset").addEventListener("click", reset);
  $("associations-all").addEventListener("click", function () {
    boxes.forEach(function (box) { box.checked = true; });
    apply();
  });
  $("associations-none").addEventListener("click", function () {
    boxes.forEach(function (box) { box.checked = false; });
    apply();
  });
  window.addEventListener("hashchange", reveal);

  // On a small screen the panels start folded, so the first event is in view.
  if (window.matchMedia && window.matchMedia("(max-width: 52rem)").matches) {
    all("details.panel").forEach(function (panel) { panel.open = false; });
  }

  // --- the overview --------------------------------------------------------------

  var figure = $("overview");
  if (figure) overviewBehaviour();

  function overviewBehaviour() {
    var plot = $("ov-plot");
    var svg = $("ov-svg");
    var ticks = $("ov-ticks");
    var tip = $("ov-tip");
    var output = $("ov-range");
    var NS = "http://www.w3.org/2000/svg";
    var full = [day(figure.getAttribute("data-first")), day(figure.getAttribute("data-last"))];
    var MIN_SPAN = 14; // days: the closest zoom shows two weeks
    var view = full.slice();
    var axisY = 18;
    var height = +svg.getAttribute("height");
    var yearLinks = data.yearLinks || {};
    var drawn = all(".ov-mark", svg).map(function (node) {
      return {
        mark: node, first: +node.getAttribute("data-a"), last: +node.getAttribute("data-b"),
        span: !node.classList.contains("day"), level: node.getAttribute("data-level") || ""
      };
    });
    // Counts per association and month come as data and are drawn on the first zoom in.
    var monthBins = data.monthBins || [];
    var hasMonths = monthBins.length > 0;
    var monthsMade = false;
    function makeMonths() {
      monthsMade = true;
      var group = document.createElementNS(NS, "g");
      group.setAttribute("class", "bins months");
      var most = 1;
      monthBins.forEach(function (row) { most = Math.max(most, row[3]); });
      var axis = data.geometry[0], laneHeight = data.geometry[1];
      var lanes = selectedLanes();
      monthBins.forEach(function (row) {
        var lane = row[0], year = row[1], month = row[2], count = row[3];
        var href = yearLinks[year] || "";
        var anchor = "#month-" + year + "-" + (month < 10 ? "0" : "") + month;
        var mark = document.createElementNS(NS, "a");
        mark.setAttribute("class", "ov-mark bin month-bin c" + data.colours[lane]);
        mark.setAttribute("href", href.charAt(0) === "#" ? anchor : href + anchor);
        mark.setAttribute("data-lane", String(lane));
        mark.setAttribute("data-level", "month");
        var title = document.createElementNS(NS, "title");
        title.textContent = year + "年" + month + "月：" + count + " 条（" + data.associations[lane] + "）";
        mark.appendChild(title);
        var height = Math.max(4, Math.round((laneHeight - 10) * Math.sqrt(count / most)));
        var rect = document.createElementNS(NS, "rect");
        rect.setAttribute("class", "mark");
        rect.setAttribute("y", String(axis + lane * laneHeight + Math.floor((laneHeight - height) / 2)));
        rect.setAttribute("height", String(height));
        rect.setAttribute("rx", "2");
        mark.appendChild(rect);
        mark.classList.toggle("off", lanes[String(lane)] !== true);
        group.appendChild(mark);
        otherMarks.push(mark);
        listen(mark);
        drawn.push({ mark: mark, first: Date.UTC(year, month - 1, 1) / DAY, last: Date.UTC(year, month, 1) / DAY, span: true, level: "month" });
      });
      svg.insertBefore(group, svg.querySelector("g.days"));
    }

    function clamp(a, b) {
      var span = Math.max(MIN_SPAN, Math.min(b - a, full[1] - full[0]));
      if (a < full[0]) a = full[0];
      if (a + span > full[1]) a = full[1] - span;
      return [a, a + span];
    }
    function percent(value) { return ((value - view[0]) * 100 / (view[1] - view[0])).toFixed(4) + "%"; }

    function label(a, b) {
      var first = iso(a), last = iso(b - 1);
      var span = b - a;
      if (span > 700) return +first.slice(0, 4) + "年—" + +last.slice(0, 4) + "年";
      if (span > 45) return +first.slice(0, 4) + "年" + +first.slice(5, 7) + "月—" + (first.slice(0, 4) === last.slice(0, 4) ? "" : +last.slice(0, 4) + "年") + +last.slice(5, 7) + "月";
      return +first.slice(0, 4) + "年" + +first.slice(5, 7) + "月" + +first.slice(8, 10) + "日—" + +last.slice(5, 7) + "月" + +last.slice(8, 10) + "日";
    }

    // Ticks from decades down to days: the finest step whose labels do not collide.
    var STEPS = [
      ["day", 1], ["day", 7], ["month", 1], ["month", 3], ["month", 6],
      ["year", 1], ["year", 2], ["year", 5], ["year", 10], ["year", 20], ["year", 50]
    ];
    var SIZE = { day: 1, month: 30.4, year: 365.25 };
    function tickDays(unit, step) {
      var result = [];
      var d = new Date(view[0] * DAY);
      var y = d.getUTCFullYear(), m = d.getUTCMonth();
      var t;
      if (unit === "year") {
        y = Math.floor(y / step) * step;
        for (; (t = Date.UTC(y, 0, 1) / DAY) < view[1]; y += step) if (t >= view[0]) result.push([t, "year"]);
      } else if (unit === "month") {
        m = Math.floor(m / step) * step;
        for (; (t = Date.UTC(y, m, 1) / DAY) < view[1]; m += step) if (t >= view[0]) result.push([t, "month"]);
      } else {
        t = Math.ceil(view[0]);
        if (step === 7) while (new Date(t * DAY).getUTCDay() !== 1) t += 1; // Mondays
        for (; t < view[1]; t += step) result.push([t, "day"]);
      }
      return result;
    }
    function tickText(t, unit) {
      var text = iso(t);
      var y = +text.slice(0, 4), m = +text.slice(5, 7), d = +text.slice(8, 10);
      if (unit === "year") return String(y);
      if (unit === "month") return m === 1 ? y + "年" : m + "月";
      return d === 1 ? m + "月" : d + "日";
    }
    function drawTicks() {
      while (ticks.firstChild) ticks.removeChild(ticks.firstChild);
      var width = plot.clientWidth || 600;
      var room = Math.max(2, Math.floor(width / 48));
      var span = view[1] - view[0];
      var chosen = STEPS[STEPS.length - 1];
      for (var i = 0; i < STEPS.length; i += 1) {
        if (span / (SIZE[STEPS[i][0]] * STEPS[i][1]) <= room) { chosen = STEPS[i]; break; }
      }
      tickDays(chosen[0], chosen[1]).forEach(function (tick) {
        var line = document.createElementNS(NS, "line");
        var x = percent(tick[0]);
        line.setAttribute("x1", x);
        line.setAttribute("x2", x);
        line.setAttribute("y1", "4");
        line.setAttribute("y2", String(height));
        var text = iso(tick[0]);
        if (chosen[0] !== "year" && text.slice(5) === "01-01") line.setAttribute("class", "major");
        ticks.appendChild(line);
        var words = document.createElementNS(NS, "text");
        words.setAttribute("class", "year-label");
        words.setAttribute("x", x);
        words.setAttribute("dx", "3");
        words.setAttribute("y", String(axisY));
        words.textContent = tickText(tick[0], chosen[0]);
        var year = text.slice(0, 4).replace(/^0+/, "");
        if (text.slice(5) === "01-01" && yearLinks[year]) {
          var link = document.createElementNS(NS, "a");
          link.setAttribute("href", yearLinks[year]);
          link.appendChild(words);
          ticks.appendChild(link);
        } else {
          ticks.appendChild(words);
        }
      });
    }

    function draw() {
      var months = hasMonths && view[1] - view[0] <= 1462; // counts per month within four years
      if (months && !monthsMade) makeMonths();
      drawn.forEach(function (event) {
        var mark = event.mark;
        var outside = event.last <= view[0] || event.first >= view[1] ||
          (event.level === "month" && !months) || (event.level === "year" && months);
        mark.style.display = outside ? "none" : "";
        if (outside) return;
        var shape = mark.lastElementChild;
        if (event.span) {
          var left = Math.max(event.first, view[0] - 1);
          var right = Math.min(event.last, view[1] + 1);
          shape.setAttribute("x", percent(left));
          shape.setAttribute("width", ((right - left) * 100 / (view[1] - view[0])).toFixed(4) + "%");
        } else {
          shape.setAttribute("x", percent((event.first + event.last) / 2));
        }
      });
      drawTicks();
      output.textContent = label(view[0], view[1]);
      figure.setAttribute("data-view-from", iso(view[0]));
      figure.setAttribute("data-view-to", iso(view[1] - 1));
    }

    function zoom(factor, centre) {
      var span = view[1] - view[0];
      if (centre === undefined) centre = view[0] + span / 2;
      var share = (centre - view[0]) / span;
      var next = Math.max(MIN_SPAN, Math.min(span * factor, full[1] - full[0]));
      view = clamp(centre - share * next, centre - share * next + next);
      draw();
    }
    function pan(share) {
      var span = view[1] - view[0];
      view = clamp(view[0] + span * share, view[1] + span * share);
      draw();
    }
    function dayAt(clientX) {
      var box = plot.getBoundingClientRect();
      return view[0] + (clientX - box.left) / (box.width || 1) * (view[1] - view[0]);
    }

    $("ov-zoom-in").addEventListener("click", function () { zoom(0.5); });
    $("ov-zoom-out").addEventListener("click", function () { zoom(2); });
    $("ov-left").addEventListener("click", function () { pan(-0.25); });
    $("ov-right").addEventListener("click", function () { pan(0.25); });
    $("ov-all").addEventListener("click", function () { view = full.slice(); draw(); });

    figure.addEventListener("keydown", function (event) {
      if (event.target.tagName === "BUTTON" && (event.key === "Enter" || event.key === " ")) return;
      var handled = true;
      if (event.key === "+" || event.key === "=") zoom(0.5);
      else if (event.key === "-" || event.key === "_") zoom(2);
      else if (event.key === "0") { view = full.slice(); draw(); }
      else if (event.key === "ArrowLeft") pan(-0.1);
      else if (event.key === "ArrowRight") pan(0.1);
      else handled = false;
      if (handled) event.preventDefault();
    });

    plot.addEventListener("wheel", function (event) {
      if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        pan((event.deltaX || event.deltaY) / 500);
      } else {
        zoom(Math.pow(2, event.deltaY / (event.ctrlKey ? 100 : 300)), dayAt(event.clientX));
      }
      event.preventDefault();
    }, { passive: false });

    // Drag to pan, two fingers to zoom (pointer events: mouse, pen and touch alike).
    var pointers = {};
    var gesture = null;
    function snapshot() {
      var ids = Object.keys(pointers);
      if (ids.length === 1) return { x: pointers[ids[0]], view: view.slice() };
      if (ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        return { x: (a + b) / 2, gap: Math.abs(a - b) || 1, view: view.slice() };
      }
      return null;
    }
    plot.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      dragged = false;
      pointers[event.pointerId] = event.clientX;
      gesture = snapshot();
      if (gesture) gesture.moved = false;
    });
    plot.addEventListener("pointermove", function (event) {
      if (!(event.pointerId in pointers) || !gesture) return;
      pointers[event.pointerId] = event.clientX;
      var now = snapshot();
      if (!now) return;
      var width = plot.getBoundingClientRect().width || 1;
      var span = gesture.view[1] - gesture.view[0];
      var next = span;
      if (now.gap && gesture.gap) next = Math.max(MIN_SPAN, Math.min(span * gesture.gap / now.gap, full[1] - full[0]));
      var anchor = gesture.view[0] + (gesture.x - plot.getBoundingClientRect().left) / width * span;
      var share = (now.x - plot.getBoundingClientRect().left) / width;
      if (Math.abs(now.x - gesture.x) > 3 || next !== span) {
        if (!gesture.moved) plot.setPointerCapture(event.pointerId);
        gesture.moved = true;
      }
      if (!gesture.moved) return;
      view = clamp(anchor - share * next, anchor - share * next + next);
      draw();
    });
    var dragged = false; // a drag is not a click on the mark under the pointer
    function release(event) {
      delete pointers[event.pointerId];
      if (gesture && gesture.moved) dragged = true;
      gesture = snapshot();
      if (gesture) gesture.moved = true;
    }
    plot.addEventListener("pointerup", release);
    plot.addEventListener("pointercancel", release);
    plot.addEventListener("click", function (click) {
      if (dragged) {
        click.preventDefault();
        click.stopPropagation();
      }
      dragged = false;
    }, true);

    // The label of a mark under the pointer or the keyboard focus.
    function showTip(mark) {
      tip.textContent = mark.querySelector("title").textContent;
      tip.hidden = false;
      var box = plot.getBoundingClientRect();
      var at = mark.getBoundingClientRect();
      var left = Math.min(Math.max(at.left - box.left + at.width / 2 - 60, 0), Math.max(box.width - 200, 0));
      tip.style.left = left + "px";
      tip.style.top = (at.bottom - box.top + 6) + "px";
    }
    function hideTip() { tip.hidden = true; }
    all(".ov-mark", svg).forEach(listen);
    function listen(mark) {
      mark.addEventListener("mouseenter", function () { showTip(mark); });
      mark.addEventListener("mouseleave", hideTip);
      mark.addEventListener("focus", function () { showTip(mark); });
      mark.addEventListener("blur", hideTip);
      mark.addEventListener("click", function () {
        var item = $(mark.getAttribute("href").slice(1));
        if (item && location.hash === mark.getAttribute("href")) flash(item);
      });
    }

    $("ov-toolbar").hidden = false;
    $("ov-keys").hidden = false;
    var resized;
    window.addEventListener("resize", function () {
      window.clearTimeout(resized);
      resized = window.setTimeout(drawTicks, 100);
    });
    draw();
  }

  // --- reviews kept in this browser ------------------------------------------------

  var panel = $("review-panel");
  if (panel) reviewBehaviour();

  function reviewBehaviour() {
    // One store for the whole site (its folder), whichever page a review was made on.
    var KEY = "cn-timeline-reviews:" + new URL(ROOT || "./", location.href).pathname;
    var LABEL = { confirmed: "已确认", rejected: "已拒绝", corrected: "已更正" };
    var reviews = {};
    try {
      reviews = JSON.parse(window.localStorage.getItem(KEY) || "{}") || {};
      var older = data.kind === "index" && window.localStorage.getItem("cn-timeline-reviews:" + location.pathname);
      if (older && older !== "{}" && location.pathname !== new URL("./", location.href).pathname) {
        var earlier = JSON.parse(older) || {};
        Object.keys(earlier).forEach(function (id) { if (!reviews[id]) reviews[id] = earlier[id]; });
      }
    } catch (error) {
      reviews = {}; // storage refused (private mode) or unreadable: start empty
    }
    function save() {
      try {
        window.localStorage.setItem(KEY, JSON.stringify(reviews));
      } catch (error) { /* kept for this visit only */ }
      $("review-summary").textContent = Object.keys(reviews).length ? "已标记 " + Object.keys(reviews).length + " 条" : "";
    }
    function button(text, verdict) {
      var node = document.createElement("button");
      node.type = "button";
      node.textContent = text;
      node.setAttribute("data-verdict", verdict);
      node.setAttribute("aria-pressed", "false");
      return node;
    }
    function field(form, text, type, value) {
      var id = "r" + Math.random().toString(36).slice(2);
      var name = document.createElement("label");
      name.htmlFor = id;
      name.textContent = text;
      var input = document.createElement("input");
      input.type = type;
      input.id = id;
      input.value = value;
      form.appendChild(name);
      form.appendChild(input);
      return input;
    }
    function show(event) {
      var review = reviews[event.id];
      var status = review ? review.status : "";
      event.item.classList.toggle("rejected", status === "rejected");
      all("[data-verdict]", event.box).forEach(function (node) {
        node.setAttribute("aria-pressed", String(node.getAttribute("data-verdict") === status));
      });
      var said = status ? LABEL[status] : "";
      if (status === "corrected") said += "：" + review.start + (review.end !== review.start ? "—" + review.end : "") + " " + review.title;
      event.state.textContent = said;
    }
    function correct(event) {
      if (event.form) { event.form.querySelector("input").focus(); return; }
      var review = reviews[event.id] || {};
      var form = document.createElement("div");
      form.className = "review-form";
      form.setAttribute("role", "group");
      form.setAttribute("aria-label", "更正日期与标题");
      var start = field(form, "开始", "date", review.start || event.start);
      var end = field(form, "结束", "date", review.end || event.end);
      var title = field(form, "标题", "text", review.title || event.title);
      var buttons = document.createElement("div");
      buttons.className = "buttons";
      var ok = button("保存更正", "save");
      var cancel = button("取消", "cancel");
      ok.removeAttribute("aria-pressed");
      cancel.removeAttribute("aria-pressed");
      buttons.appendChild(ok);
      buttons.appendChild(cancel);
      form.appendChild(buttons);
      event.box.appendChild(form);
      event.form = form;
      start.focus();
      ok.addEventListener("click", function () {
        if (!start.value) { start.focus(); return; }
        var last = end.value && end.value >= start.value ? end.value : start.value;
        reviews[event.id] = { status: "corrected", start: start.value, end: last, title: title.value.trim(), n: event.n };
        close();
      });
      cancel.addEventListener("click", close);
      function close() {
        form.remove();
        event.form = null;
        save();
        show(event);
        event.box.querySelector('[data-verdict="corrected"]').focus();
      }
    }
    events.forEach(function (event) {
      if (!event.item) return;
      var box = document.createElement("div");
      box.className = "review";
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", "审核本条");
      [["确认", "confirmed"], ["拒绝", "rejected"], ["更正…", "corrected"]].forEach(function (pair) {
        box.appendChild(button(pair[0], pair[1]));
      });
      var state = document.createElement("span");
      state.className = "review-state";
      state.setAttribute("aria-live", "polite");
      box.appendChild(state);
      event.box = box;
      event.state = state;
      event.item.appendChild(box);
      box.addEventListener("click", function (click) {
        var verdict = click.target.getAttribute && click.target.getAttribute("data-verdict");
        if (!verdict || verdict === "save" || verdict === "cancel") return;
        if (verdict === "corrected") { correct(event); return; }
        if (reviews[event.id] && reviews[event.id].status === verdict) delete reviews[event.id];
        else reviews[event.id] = { status: verdict, n: event.n };
        save();
        show(event);
      });
      show(event);
    });

    function cell(value) {
      value = value == null ? "" : String(value);
      return /[",\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
    }
    // The columns `timeline build` and `timeline review` read (timeline/reviews.py);
    // reviews already applied to this page's table come along unless changed here.
    // Reviews made on any page of the site, and those of the table (search/reviews.js).
    function csv(applied) {
      var rows = {};
      (applied || []).forEach(function (row) {
        rows[row[1]] = { n: row[0], cells: row[2] === "corrected" ? [row[1], "corrected", row[3], row[4], row[5]] : [row[1], row[2], "", "", ""] };
      });
      Object.keys(reviews).forEach(function (id) {
        var review = reviews[id];
        var n = typeof review.n === "number" ? review.n : (rows[id] ? rows[id].n : Infinity);
        rows[id] = {
          n: n,
          cells: review.status === "corrected" ? [id, "corrected", review.start, review.end, review.title] : [id, review.status, "", "", ""]
        };
      });
      var lines = ["event_id,status,start,end,title"];
      Object.keys(rows).sort(function (a, b) { return rows[a].n - rows[b].n || (a < b ? -1 : 1); }).forEach(function (id) {
        lines.push(rows[id].cells.map(cell).join(","));
      });
      return "\ufeff" + lines.join("\r\n") + "\r\n";
    }
    load("reviews").catch(function () { return []; });
    function download(applied) {
      var url = URL.createObjectURL(new Blob([csv(applied)], { type: "text/csv;charset=utf-8" }));
      var link = document.createElement("a");
      link.href = url;
      link.download = "reviews.csv";
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    }
    $("review-download").addEventListener("click", function () {
      var entry = piece("reviews");
      if (entry.done) download(entry.data);
      else load("reviews").then(download, function () { download(applied()); });
    });
    function applied() {
      // Without the piece (a page opened on its own): the reviews of this page's table.
      return events.filter(function (event) { return event.status; }).map(function (event) {
        return [event.n, event.id, event.status, event.start, event.end, event.title];
      });
    }
    $("review-clear").addEventListener("click", function () {
      reviews = {};
      save();
      events.forEach(function (event) { if (event.item) show(event); });
    });
    save();
    panel.hidden = false;
  }

  controls.hidden = false;
  apply();
})();
