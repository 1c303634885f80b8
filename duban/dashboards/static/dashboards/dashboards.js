// Dashboard charts (ECharts, served locally). The data comes from the page through
// json_script (#dash-data); every chart has a table with the same figures beside it.
// No inline script or style (strict CSP): tooltips are drawn on the canvas (richText).
(function () {
  "use strict";
  var COLORS = { red: "#c62828", yellow: "#e0a800", green: "#2e7d32", done: "#78909c" };
  var ORDER = ["red", "yellow", "green", "done"];

  function textColor() {
    return document.body.classList.contains("dash-screen") ? "#e8eef6" : "#1f2937";
  }

  function base() {
    return {
      aria: { enabled: true, decal: { show: true } },
      textStyle: { color: textColor() },
      tooltip: { renderMode: "richText", trigger: "item" },
      animation: false
    };
  }

  function stacked(d, group, horizontal) {
    var g = d[group];
    var opt = base();
    opt.tooltip.trigger = "axis";
    opt.legend = { top: 0, data: ORDER.map(function (k) { return d.colors[k]; }), textStyle: { color: textColor() } };
    opt.grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };
    var cat = { type: "category", data: g.labels, axisLabel: { color: textColor(), width: 160, overflow: "truncate" } };
    var val = { type: "value", minInterval: 1, axisLabel: { color: textColor() } };
    if (horizontal) { cat.inverse = true; opt.xAxis = val; opt.yAxis = cat; }
    else { cat.axisLabel.rotate = g.labels.length > 6 ? 30 : 0; opt.xAxis = cat; opt.yAxis = val; }
    opt.series = ORDER.map(function (k) {
      return { name: d.colors[k], type: "bar", stack: "n", data: g.series[k], itemStyle: { color: COLORS[k] } };
    });
    return opt;
  }

  var BUILD = {
    status: function (d) {
      var opt = base();
      opt.legend = { bottom: 0, textStyle: { color: textColor() } };
      opt.series = [{
        type: "pie", radius: ["35%", "68%"], center: ["50%", "45%"],
        label: { formatter: "{b}：{c}", color: textColor() },
        data: d.status.map(function (s) { return { name: s.name, value: s.value, itemStyle: { color: COLORS[s.key] } }; })
      }];
      return opt;
    },
    sections: function (d) { return stacked(d, "sections", true); },
    leaders: function (d) { return stacked(d, "leaders", false); },
    units: function (d) { return stacked(d, "units", true); },
    kinds: function (d) { return stacked(d, "kinds", true); },
    trend: function (d) {
      var opt = base();
      var t = d.trend;
      opt.tooltip.trigger = "axis";
      opt.legend = { top: 0, textStyle: { color: textColor() } };
      opt.grid = { left: 8, right: 8, top: 56, bottom: 8, containLabel: true };
      opt.xAxis = { type: "category", data: t.labels, axisLabel: { color: textColor() } };
      opt.yAxis = [
        { type: "value", name: "任务数", minInterval: 1, axisLabel: { color: textColor() } },
        { type: "value", name: "按时报送率", min: 0, max: 100, axisLabel: { formatter: "{value}%", color: textColor() } }
      ];
      opt.series = ORDER.map(function (k) {
        return { name: d.colors[k], type: "bar", stack: "n", data: t.series[k], itemStyle: { color: COLORS[k] } };
      });
      opt.series.push({ name: "按时报送率", type: "line", yAxisIndex: 1, data: t.on_time_rate,
        itemStyle: { color: "#1d4f91" }, label: { show: true, formatter: "{c}%" } });
      return opt;
    }
  };

  function rowsOf(d, kind) {
    if (kind === "sections" || kind === "units" || kind === "leaders" || kind === "kinds") return d[kind].labels.length;
    return 0;
  }

  function init(root) {
    var el = document.getElementById("dash-data");
    if (!el || !window.echarts) return;
    var d = JSON.parse(el.textContent);
    (root || document).querySelectorAll("[data-chart]").forEach(function (box) {
      var kind = box.getAttribute("data-chart");
      if (!BUILD[kind]) return;
      var n = rowsOf(d, kind);
      // Horizontal bars get a row of height each (CSSOM, allowed by the CSP).
      if ((kind === "sections" || kind === "units") && n > 8) box.style.height = Math.min(28 * n + 80, 1600) + "px";
      var chart = window.echarts.getInstanceByDom(box) || window.echarts.init(box, null, { locale: "ZH" });
      chart.setOption(BUILD[kind](d), true);
      box.setAttribute("data-ready", "1");
    });
  }

  function resizeAll() {
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      var chart = window.echarts && window.echarts.getInstanceByDom(box);
      if (chart) chart.resize();
    });
  }

  // The meeting-room screen's 全屏 button: the browser's full-screen mode, where it has one.
  function fullscreenButtons() {
    document.querySelectorAll("[data-fullscreen]").forEach(function (b) {
      b.hidden = !document.documentElement.requestFullscreen || !!document.fullscreenElement;
    });
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-fullscreen]") && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  });
  document.addEventListener("fullscreenchange", fullscreenButtons);

  document.addEventListener("DOMContentLoaded", function () { init(document); fullscreenButtons(); });
  // The meeting-room screen swaps its content in every minute (htmx): draw again.
  document.addEventListener("htmx:afterSettle", function () { init(document); fullscreenButtons(); });
  window.addEventListener("resize", resizeAll);
})();
