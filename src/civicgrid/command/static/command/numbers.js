// Charts of the numbers page (Apache ECharts, served from our own static files): the trend and
// the breakdown by category. Data comes from JSON blocks the page renders; no inline script.
(function () {
  if (typeof echarts === "undefined") return;
  const read = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  const trendEl = document.getElementById("trend-chart");
  const trend = read("trend-data");
  if (trendEl && trend) {
    const chart = echarts.init(trendEl);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 50, top: 30, bottom: 30 },
      xAxis: { type: "category", data: trend.periods.map((p) => (trend.step === "month" ? p.slice(0, 7) : p.slice(5))) },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      ],
      series: [
        { name: trendEl.dataset.labelReports, type: "bar", data: trend.reports },
        { name: trendEl.dataset.labelClosed, type: "bar", data: trend.closed },
        {
          name: trendEl.dataset.labelRate, type: "line", yAxisIndex: 1, connectNulls: true,
          data: trend.close_rate.map((r) => (r === null ? null : Math.round(r * 10000) / 100)),
        },
      ],
    });
    trendEl.dataset.ready = "1";
    window.addEventListener("resize", () => chart.resize());
  }

  const catEl = document.getElementById("category-chart");
  const cats = read("category-data");
  if (catEl && cats) {
    const chart = echarts.init(catEl);
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{ type: "pie", radius: ["35%", "70%"], data: cats.slice(0, 12), label: { fontSize: 11 } }],
    });
    catEl.dataset.ready = "1";
    window.addEventListener("resize", () => chart.resize());
  }
})();
