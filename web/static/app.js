// Kakehashi: small enhancements on top of server-rendered pages. Everything
// works without this file; it draws the home page chart.
(function () {
  "use strict";

  function drawCountryChart() {
    var canvas = document.getElementById("country-chart");
    var data = document.getElementById("country-chart-data");
    if (!canvas || !data || typeof Chart === "undefined") {
      return;
    }
    var d = JSON.parse(data.textContent);
    var colors = ["#1f4e79", "#2a9d8f"];
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: d.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: colors[i % colors.length], borderRadius: 3 };
        })
      },
      options: {
        responsive: true,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  function loadChartThenDraw() {
    var canvas = document.getElementById("country-chart");
    if (!canvas) {
      return;
    }
    var src = document.querySelector('meta[name="chart-src"]');
    if (typeof Chart !== "undefined" || !src) {
      drawCountryChart();
      return;
    }
    var s = document.createElement("script");
    s.src = src.getAttribute("content");
    s.onload = drawCountryChart;
    document.head.appendChild(s);
  }

  document.addEventListener("DOMContentLoaded", loadChartThenDraw);
})();
