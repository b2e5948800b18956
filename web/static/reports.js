// Charts of the call-center reports page (Chart.js, from npm: web/static/vendor/chart.umd.min.js).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-charts").textContent);
  if (typeof Chart === "undefined") { return; }
  function draw(id, rows, names) {
    var canvas = document.getElementById(id);
    var colours = {offered: "#1565c0", answered: "#2e7d32", abandoned: "#c62828"};
    var chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (row) { return names ? names[row.slot] : String(row.slot).padStart(2, "0") + "h"; }),
        datasets: ["offered", "answered", "abandoned"].map(function (key) {
          return {label: data.labels[key], data: rows.map(function (row) { return row[key]; }),
                  backgroundColor: colours[key]};
        })
      },
      options: {animation: false, responsive: true, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
    });
    canvas.setAttribute("data-chart", "ready");
    return chart;
  }
  draw("chart-hours", data.hours, null);
  draw("chart-weekdays", data.weekdays, data.weekday_names);
}());
