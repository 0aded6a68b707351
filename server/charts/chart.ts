// Charts for reports and item analysis, drawn on the server by ECharts as SVG and shown as an <img> of a data URI:
// no script runs in the browser, nothing conflicts with the Content-Security-Policy (no inline script or style),
// and the chart prints like any image. Series are told apart by pattern (ECharts' decals) and by their legend, not
// by colour alone; every page shows the numbers in a table beside the chart, and the alt text states them too.
import type * as ECharts from 'echarts';

export interface Chart {
  dataUri: string;
  alt: string;
  width: number;
  height: number;
}

export interface Series {
  name: string;
  values: number[];
}

// Dark enough against white for the 3:1 contrast of graphical objects (WCAG 1.4.11).
const PALETTE = ['#1f4e79', '#b34700', '#2e6b30', '#6a3d9a', '#8c2d04', '#35515f'];
const TEXT = { color: '#1a1a1a', fontFamily: 'system-ui, sans-serif', fontSize: 13 };

const importECharts = () => import('echarts');
type Library = Awaited<ReturnType<typeof importECharts>>;

function render(
  echarts: Library,
  option: ECharts.EChartsOption,
  width: number,
  height: number,
  alt: string,
): Chart {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      color: PALETTE,
      textStyle: TEXT,
      aria: { enabled: true, decal: { show: true } },
      ...option,
    });
    const svg = chart.renderToSVGString();
    return {
      dataUri: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      alt,
      width,
      height,
    };
  } finally {
    chart.dispose();
  }
}

const round = (value: number) => Number(value.toFixed(3));
const listed = (categories: string[], values: number[]) =>
  categories.map((category, i) => `${category} ${round(values[i] ?? 0)}`).join(', ');

const title = (text: string) => ({ text, left: 'center', textStyle: { ...TEXT, fontSize: 15 } });
const axisName = (name: string | undefined, gap: number) => ({
  name,
  nameLocation: 'middle' as const,
  nameGap: gap,
  nameTextStyle: TEXT,
  axisLabel: TEXT,
});

function barChart(
  echarts: Library,
  o: {
    title: string;
    categories: string[];
    series: Series[];
    xLabel?: string;
    yLabel?: string;
    horizontal?: boolean;
    stacked?: boolean;
  },
): Chart {
  const rows = o.horizontal ? o.categories.length : 0;
  const width = o.horizontal
    ? 720
    : Math.max(560, Math.min(1100, 160 + o.categories.length * 48 * o.series.length));
  const height = o.horizontal ? Math.max(220, 110 + rows * 32 * (o.stacked ? 1 : o.series.length)) : 360;
  const categoryAxis = {
    type: 'category' as const,
    data: o.categories,
    ...axisName(o.horizontal ? o.yLabel : o.xLabel, o.horizontal ? 90 : 32),
  };
  const valueAxis = {
    type: 'value' as const,
    minInterval: 1,
    ...axisName(o.horizontal ? o.xLabel : o.yLabel, o.horizontal ? 30 : 48),
  };
  const alt = `Bar chart, ${o.title}. ${o.series
    .map((s) => `${s.name}: ${listed(o.categories, s.values)}`)
    .join('. ')}.`;
  return render(
    echarts,
    {
      title: title(o.title),
      legend: o.series.length > 1 ? { top: 36, textStyle: TEXT } : undefined,
      grid: { left: o.horizontal ? 170 : 70, right: 30, top: o.series.length > 1 ? 80 : 50, bottom: 60 },
      xAxis: o.horizontal ? valueAxis : categoryAxis,
      yAxis: o.horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
      series: o.series.map((s) => ({
        type: 'bar',
        name: s.name,
        data: s.values,
        stack: o.stacked ? 'total' : undefined,
        label: { show: !o.stacked, position: o.horizontal ? 'right' : 'top', ...TEXT, fontSize: 11 },
      })),
    },
    width,
    height,
    alt,
  );
}

function scatterChart(
  echarts: Library,
  o: {
    title: string;
    points: { x: number; y: number; label: string }[];
    xLabel: string;
    yLabel: string;
    xRange?: [number, number];
    yRange?: [number, number];
    guides?: { x?: number[]; y?: number[] };
  },
): Chart {
  const guides = [
    ...(o.guides?.x ?? []).map((x) => ({ xAxis: x })),
    ...(o.guides?.y ?? []).map((y) => ({ yAxis: y })),
  ];
  const alt = `Scatter chart, ${o.title} (${o.xLabel} across, ${o.yLabel} up). ${o.points
    .map((p) => `${p.label}: ${round(p.x)}, ${round(p.y)}`)
    .join('; ')}.`;
  return render(
    echarts,
    {
      title: title(o.title),
      grid: { left: 70, right: 30, top: 50, bottom: 60 },
      xAxis: { type: 'value', min: o.xRange?.[0], max: o.xRange?.[1], ...axisName(o.xLabel, 32) },
      yAxis: { type: 'value', min: o.yRange?.[0], max: o.yRange?.[1], ...axisName(o.yLabel, 48) },
      series: [
        {
          type: 'scatter',
          symbolSize: 10,
          data: o.points.map((p) => ({ value: [p.x, p.y], name: p.label })),
          label: { show: true, position: 'right', formatter: '{b}', ...TEXT, fontSize: 11 },
          markLine: guides.length
            ? {
                silent: true,
                symbol: 'none',
                lineStyle: { type: 'dashed', color: '#555' },
                label: TEXT,
                data: guides,
              }
            : undefined,
        },
      ],
    },
    640,
    420,
    alt,
  );
}

function lineChart(
  echarts: Library,
  o: {
    title: string;
    categories: string[];
    series: Series[];
    yLabel?: string;
  },
): Chart {
  const alt = `Line chart, ${o.title}. ${o.series
    .map((s) => `${s.name}: ${listed(o.categories, s.values)}`)
    .join('. ')}.`;
  const symbols = ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow'];
  return render(
    echarts,
    {
      title: title(o.title),
      legend: o.series.length > 1 ? { top: 36, textStyle: TEXT } : undefined,
      grid: { left: 70, right: 30, top: o.series.length > 1 ? 80 : 50, bottom: 60 },
      xAxis: { type: 'category', data: o.categories, axisLabel: TEXT },
      yAxis: { type: 'value', minInterval: 1, ...axisName(o.yLabel, 48) },
      // A distinct marker and dash per series: readable in grey print.
      series: o.series.map((s, i) => ({
        type: 'line',
        name: s.name,
        data: s.values,
        symbol: symbols[i % symbols.length],
        symbolSize: 8,
        lineStyle: { type: i % 2 ? 'dashed' : 'solid', width: 2 },
      })),
    },
    Math.max(560, Math.min(1100, 120 + o.categories.length * 40)),
    340,
    alt,
  );
}

/** The chart functions, bound to ECharts. */
export interface Charts {
  barChart: (o: Parameters<typeof barChart>[1]) => Chart;
  scatterChart: (o: Parameters<typeof scatterChart>[1]) => Chart;
  lineChart: (o: Parameters<typeof lineChart>[1]) => Chart;
}

let loaded: Promise<Charts> | undefined;

/**
 * The chart functions, once ECharts is loaded: on the first page with a chart, not at start (ECharts costs
 * ~0.15 s and ~20 MB that an instance serving learners never needs).
 */
export function loadCharts(): Promise<Charts> {
  loaded ??= importECharts().then((echarts) => ({
    barChart: (o) => barChart(echarts, o),
    scatterChart: (o) => scatterChart(echarts, o),
    lineChart: (o) => lineChart(echarts, o),
  }));
  return loaded;
}
