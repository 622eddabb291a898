// The two charts (Apache ECharts, loaded by the page from /screen/vendor/echarts.min.js):
// GMV by county and the day's cumulative GMV. ECharts draws with numbers; every label and
// tooltip is written from the exact BigInt fen kept beside each point.
/* global echarts */

import { fenExact, yuan, yuanExact } from './money.js';
import { COUNTY_NAMES } from './names.js';

export const FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
const TEXT = '#cfe3ff';
const GRID_LINE = 'rgba(120, 170, 255, 0.15)';

const yuanLabel = (fen) => { const y = yuan(fen); return `${y.text}${y.unit}元`; };
// Axis ticks are positions on a scale, not figures: rounded to whole fen, and shown
// without a fraction of zeros (180万元, not 180.00万元).
const tickLabel = (value) => yuanLabel(BigInt(Math.round(value))).replace('.00', '');
const tooltip = (name, fen) => `${name}<br/>${yuanLabel(fen)}<br/>${yuanExact(fen)}（${fenExact(fen)}）`;

/** Both charts, created once; each follows its element's size (window, layout, scope). */
export function createCharts(countyElement, curveElement) {
  const base = { textStyle: { fontFamily: FONT, color: TEXT }, animationDurationUpdate: 400 };
  const county = echarts.init(countyElement);
  const curve = echarts.init(curveElement);
  county.setOption({ ...base, ...countyFrame() });
  curve.setOption({ ...base, ...curveFrame() });
  new ResizeObserver(() => county.resize()).observe(countyElement);
  new ResizeObserver(() => curve.resize()).observe(curveElement);
  return { county, curve };
}

function countyFrame() {
  return {
    grid: { left: 8, right: 110, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', axisLabel: { show: false }, splitLine: { lineStyle: { color: GRID_LINE } } },
    yAxis: { type: 'category', inverse: true, axisLabel: { color: TEXT, fontSize: 16, fontFamily: FONT },
             axisTick: { show: false }, axisLine: { lineStyle: { color: GRID_LINE } } },
    tooltip: { trigger: 'item', formatter: (p) => tooltip(p.name, BigInt(p.data.fen)) },
    series: [{
      type: 'bar', barMaxWidth: 26,
      itemStyle: { borderRadius: [0, 4, 4, 0], color: new echarts.graphic.LinearGradient(0, 0, 1, 0,
        [{ offset: 0, color: '#1f6fff' }, { offset: 1, color: '#27e0ff' }]) },
      label: { show: true, position: 'right', color: '#ffffff', fontSize: 15, fontFamily: FONT,
               formatter: (p) => yuanLabel(BigInt(p.data.fen)) },
      data: [],
    }],
  };
}

function curveFrame() {
  return {
    grid: { left: 12, right: 24, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: 'category', boundaryGap: false, axisLabel: { color: TEXT, fontSize: 14 },
             axisLine: { lineStyle: { color: GRID_LINE } } },
    yAxis: { type: 'value', axisLabel: { color: TEXT, fontSize: 14, formatter: tickLabel },
             splitLine: { lineStyle: { color: GRID_LINE } } },
    tooltip: { trigger: 'axis', formatter: (ps) => tooltip(ps[0].name, BigInt(ps[0].data.fen)) },
    series: [{
      type: 'line', smooth: false, showSymbol: false, lineStyle: { width: 3, color: '#27e0ff' },
      areaStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1,
        [{ offset: 0, color: 'rgba(39, 224, 255, 0.45)' }, { offset: 1, color: 'rgba(39, 224, 255, 0.02)' }]) },
      data: [],
    }],
  };
}

const point = (fen) => ({ value: Number(fen), fen: fen.toString() });

/** The nine units, most GMV first. */
export function showCounties(chart, counties) {
  const ranked = [...counties].sort((a, b) => (b.gmv_fen > a.gmv_fen ? 1 : b.gmv_fen < a.gmv_fen ? -1 : 0));
  chart.setOption({
    yAxis: { data: ranked.map((c) => COUNTY_NAMES[c.county] ?? c.county) },
    series: [{ data: ranked.map((c) => point(c.gmv_fen)) }],
  });
}

/** The day's cumulative GMV; times are shown as sent (Asia/Shanghai), whatever the
 *  browser's own time zone. */
export function showCurve(chart, curve) {
  chart.setOption({
    xAxis: { data: curve.map((p) => p.t.slice(11, 16)) },
    series: [{ data: curve.map((p) => point(p.gmv_fen)) }],
  });
}
