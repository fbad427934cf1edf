// The dashboard's charts: each <canvas data-chart="ID"> draws the JSON of the element ID
// (labels, datasets, optional max and a second axis "y2" in %), with Chart.js (vendored).
// The same figures are in the table under each chart.
(function () {
  "use strict";
  const colours = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1"];
  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") {
      return;
    }
    const spec = JSON.parse(source.textContent);
    const datasets = spec.datasets.map(function (set, index) {
      const colour = colours[index % colours.length];
      return Object.assign(
        { borderColor: colour, backgroundColor: colour + (set.type === "line" ? "" : "99"), spanGaps: true },
        set
      );
    });
    const scales = { y: { beginAtZero: true } };
    if (spec.max) {
      scales.y.max = spec.max;
    }
    if (datasets.some(function (set) { return set.yAxisID === "y2"; })) {
      scales.y2 = { position: "right", beginAtZero: true, max: 100, grid: { drawOnChartArea: false } };
    }
    canvas.chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: { title: { display: Boolean(spec.title), text: spec.title || "" } },
      },
    });
    canvas.dataset.drawn = "true";
  }
  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
