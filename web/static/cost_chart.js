// The cost report's bar chart: labels and values come from the canvas's data-chart attribute (JSON).
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("cost-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(canvas.dataset.chart);
  if (!data.labels.length) { canvas.hidden = true; return; }
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: data.label, data: data.values }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
  });
});
