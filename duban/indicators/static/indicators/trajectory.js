// Indicator trajectory chart (ECharts, served locally). Data from json_script
// #trajectory-data; the same figures are in the table beside the chart. No inline
// script or style (strict CSP): tooltips are drawn on the canvas (richText).
(function () {
  "use strict";

  function fmt(v) {
    if (v === null || v === undefined) return "—";
    var n = Math.abs(v) >= 1 ? Math.round(v * 100) / 100 : Math.round(v * 10000) / 10000;
    return String(n);
  }

  function option(d) {
    var unit = d.unit || "";
    var series = [];
    var first = d.baseline ? d.baseline[0] : (d.actuals.length ? d.actuals[0][0] : d.start);
    var last = d.horizon || (d.actuals.length ? d.actuals[d.actuals.length - 1][0] : first);
    if (first && last) {
      series.push({ name: d.targetLabel, type: "line", data: [[first, d.target], [last, d.target]],
        symbol: "none", lineStyle: { type: "dashed", color: "#c62828", width: 2 }, itemStyle: { color: "#c62828" } });
    }
    if (d.baseline) {
      series.push({ name: "基数", type: "scatter", data: [d.baseline], symbol: "diamond", symbolSize: 12,
        itemStyle: { color: "#78909c" } });
    }
    series.push({ name: "已报实际值", type: "line", data: d.actuals, symbol: "circle", symbolSize: 9,
      itemStyle: { color: "#1d4f91" }, lineStyle: { color: "#1d4f91", width: 2 },
      label: { show: true, position: "top", formatter: function (p) { return fmt(p.value[1]); } } });
    if (d.line && d.line.length) {
      series.push({ name: d.forecastLabel, type: "line", data: d.line, symbol: "triangle", symbolSize: 9,
        lineStyle: { type: "dotted", color: "#e0a800", width: 2 }, itemStyle: { color: "#e0a800" },
        label: { show: true, position: "right", formatter: function (p) {
          return p.dataIndex === d.line.length - 1 ? "预测 " + fmt(p.value[1]) : ""; } } });
    }
    return {
      aria: { enabled: true, decal: { show: true } },
      animation: false,
      tooltip: { trigger: "item", renderMode: "richText", formatter: function (p) {
        return p.seriesName + "\n" + p.value[0] + "：" + fmt(p.value[1]) + (unit ? " " + unit : ""); } },
      legend: { top: 0 },
      grid: { left: 8, right: 96, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "time", min: first || undefined, max: last || undefined,
        axisLabel: { formatter: "{yyyy}-{MM}-{dd}", hideOverlap: true } },
      yAxis: { type: "value", name: unit, scale: true },
      series: series
    };
  }

  function init() {
    var el = document.getElementById("trajectory-data");
    var box = document.getElementById("trajectory-chart");
    if (!el || !box || !window.echarts) return;
    var d = JSON.parse(el.textContent);
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option(d));
    window.addEventListener("resize", function () { chart.resize(); });
    box.dataset.ready = "1"; // for the browser test
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
