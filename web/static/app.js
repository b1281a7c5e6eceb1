// Kakehashi: small enhancements on top of server-rendered pages. Everything
// works without this file; it draws the charts: the home page's, and every
// <canvas data-chart="id"> from the JSON in the element with id "id-data".
(function () {
  "use strict";

  var colors = ["#1f4e79", "#2a9d8f", "#e9c46a", "#e76f51"];

  function draw(canvas, data, stacked) {
    var d = JSON.parse(data.textContent);
    stacked = stacked || !!d.stacked;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: (d.series || []).map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: colors[i % colors.length], borderRadius: 3 };
        })
      },
      options: {
        responsive: true,
        animation: false,
        plugins: { legend: { position: "bottom", display: (d.series || []).length > 1 } },
        scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  function charts() {
    var out = [];
    var home = document.getElementById("country-chart");
    if (home) {
      out.push({ canvas: home, data: document.getElementById("country-chart-data"), stacked: true });
    }
    var list = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < list.length; i++) {
      out.push({ canvas: list[i], data: document.getElementById(list[i].getAttribute("data-chart") + "-data"), stacked: false });
    }
    return out;
  }

  function drawAll() {
    if (typeof Chart === "undefined") {
      return;
    }
    charts().forEach(function (c) {
      if (c.data) {
        draw(c.canvas, c.data, c.stacked);
      }
    });
  }

  function loadChartThenDraw() {
    if (charts().length === 0) {
      return;
    }
    var src = document.querySelector('meta[name="chart-src"]');
    if (typeof Chart !== "undefined" || !src) {
      drawAll();
      return;
    }
    var s = document.createElement("script");
    s.src = src.getAttribute("content");
    s.onload = drawAll;
    document.head.appendChild(s);
  }

  document.addEventListener("DOMContentLoaded", loadChartThenDraw);
})();
