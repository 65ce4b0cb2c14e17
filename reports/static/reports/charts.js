// Draws the dashboard charts from the JSON data island (no inline script: CSP).
(function () {
  "use strict";
  var island = document.getElementById("report-chart-data");
  if (!island || typeof Chart === "undefined") { return; }
  var data = JSON.parse(island.textContent);
  var colours = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#6c757d"];
  var labels = data.labels;
  // Counts: from zero, whole numbers only (no "0.5 exits"), grouped with thousands separators.
  var format = new Intl.NumberFormat("en-US");  // Latin digits and commas, as in the tables
  var countAxis = { beginAtZero: true, ticks: { precision: 0, callback: function (value) { return format.format(value); } } };

  function draw(canvas, config) {
    config.options = Object.assign({ responsive: true, animation: false }, config.options || {});
    canvas.dataset.drawn = "1";
    return new Chart(canvas, config);
  }

  var builders = {
    exits_by_month: function () {
      return {
        type: "bar",
        data: {
          labels: data.months,
          datasets: Object.keys(data.exits_by_month).map(function (type, i) {
            return { label: labels[type] || type, data: data.exits_by_month[type], backgroundColor: colours[i] };
          })
        },
        options: { scales: { x: { stacked: true }, y: Object.assign({ stacked: true }, countAxis) } }
      };
    },
    recruits: function () {
      return {
        type: "doughnut",
        data: { labels: Object.keys(data.recruits).map(function (k) { return labels[k] || k; }), datasets: [{ data: Object.values(data.recruits), backgroundColor: colours }] }
      };
    },
    by_site: function () {
      return {
        type: "bar",
        data: { labels: Object.keys(data.by_site), datasets: [{ label: labels.exits, data: Object.values(data.by_site), backgroundColor: colours[0] }] },
        options: { scales: { y: countAxis }, plugins: { legend: { display: false } } }
      };
    },
    attendance: function () {
      return {
        type: "line",
        data: { labels: data.attendance.months, datasets: [{ label: labels.attendees_per_session, data: data.attendance.attendees_per_session, borderColor: colours[2] }] },
        // A rate: its axis starts at zero, not at the smallest value (which would exaggerate).
        options: { scales: { y: { beginAtZero: true } } }
      };
    },
    assistance: function () {
      return {
        type: "bar",
        data: { labels: Object.keys(data.assistance), datasets: [{ label: labels.distributions, data: Object.values(data.assistance), backgroundColor: colours[1] }] },
        options: { indexAxis: "y", scales: { x: countAxis }, plugins: { legend: { display: false } } }
      };
    }
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var build = builders[canvas.dataset.chart];
    if (build) { draw(canvas, build()); }
  });
})();
