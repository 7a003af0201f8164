/* The report page's four charts, drawn with Chart.js (vendored beside this file) from the data
   the page carries in <script id="chart-data" type="application/json">. No animation: a chart is
   complete the moment it is drawn, on screen and when printed. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#1d4ed8", "#1b7f3b", "#cb6e17", "#7c3aed", "#b00020", "#0e7490", "#52606d", "#a16207"];
  var common = { responsive: true, maintainAspectRatio: false, animation: false };
  var charts = [];

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { charts.push(new Chart(canvas, config)); }
  }

  draw("chart-days", {
    type: "bar",
    data: {
      labels: data.days,
      datasets: data.received_by_channel.map(function (series, index) {
        return { label: series.label, data: series.data, backgroundColor: palette[index % palette.length] };
      })
    },
    options: Object.assign({}, common, {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
    })
  });
  draw("chart-first-contact", {
    type: "bar",
    data: {
      labels: data.first_contact.labels,
      datasets: [{ label: "Leads", data: data.first_contact.counts, backgroundColor: palette[0] }]
    },
    options: Object.assign({}, common, {
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    })
  });
  draw("chart-funnel", {
    type: "bar",
    data: {
      labels: data.funnel.labels,
      datasets: [{ label: "Leads", data: data.funnel.counts, backgroundColor: palette[1] }]
    },
    options: Object.assign({}, common, {
      indexAxis: "y",
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
    })
  });
  draw("chart-sla", {
    type: "line",
    data: {
      labels: data.days,
      datasets: [{ label: "SLA met (%)", data: data.sla_met_percent, borderColor: palette[0], backgroundColor: palette[0], spanGaps: true }]
    },
    options: Object.assign({}, common, {
      plugins: { legend: { display: false } },
      scales: { y: { min: 0, max: 100 } }
    })
  });

  // Printing: draw each chart at the size of its box on paper, then back on screen.
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  window.addEventListener("afterprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
