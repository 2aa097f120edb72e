// refrain's report: search and filters over the clusters, which the page
// shows whole without this script. Nothing is fetched: the page's policy
// forbids any connection.
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (event) {
    errors.push(String(event.message));
    document.body.setAttribute("data-script-errors", errors.join(" | "));
  });
  document.addEventListener("securitypolicyviolation", function (event) {
    errors.push("blocked " + event.blockedURI + " (" + event.violatedDirective + ")");
    document.body.setAttribute("data-script-errors", errors.join(" | "));
  });
  var form = document.getElementById("filters");
  var clusters = Array.prototype.slice.call(document.querySelectorAll("details.cluster"));
  var search = document.getElementById("search");
  var kind = document.getElementById("kind");
  var closing = document.getElementById("closing");
  var low = document.getElementById("similarity-min");
  var high = document.getElementById("similarity-max");
  var shown = document.getElementById("shown");
  var texts = clusters.map(function (c) { return c.textContent.toLowerCase(); });
  function apply() {
    var words = search.value.trim().toLowerCase();
    var from = parseFloat(low.value), to = parseFloat(high.value);
    if (isNaN(from)) { from = 0; }
    if (isNaN(to)) { to = 1; }
    var count = 0;
    clusters.forEach(function (cluster, i) {
      var similarity = parseFloat(cluster.getAttribute("data-similarity"));
      var visible = (!words || texts[i].indexOf(words) >= 0) &&
        (!kind.value || cluster.getAttribute("data-kind") === kind.value) &&
        (!closing.checked || cluster.getAttribute("data-closing") === "true") &&
        !(similarity < from - 1e-9 || similarity > to + 1e-9);
      cluster.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + " of " + clusters.length + " shown";
  }
  if (form) {
    form.hidden = false;
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    [search, kind, closing, low, high].forEach(function (input) {
      input.addEventListener("input", apply);
      input.addEventListener("change", apply);
    });
    document.getElementById("expand").addEventListener("click", function () {
      clusters.forEach(function (c) { if (!c.hidden) { c.open = true; } });
    });
    document.getElementById("collapse").addEventListener("click", function () {
      clusters.forEach(function (c) { c.open = false; });
    });
    apply();
  }
  // A link to a cluster (report.html#d1) opens it; #open-all opens all.
  function openTarget() {
    if (location.hash === "#open-all") {
      clusters.forEach(function (c) { c.open = true; });
      return;
    }
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  // Printed, every cluster is open.
  window.addEventListener("beforeprint", function () {
    clusters.forEach(function (c) { c.open = true; });
  });
  document.body.setAttribute("data-ready", "true");
})();
