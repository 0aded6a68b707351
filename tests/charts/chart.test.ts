// The chart module: SVG a browser shows as an image, with its numbers in the alt text and patterns beside colour.
import { loadCharts, type Chart, type Charts } from '../../server/charts/chart';

let barChart: Charts['barChart'];
let lineChart: Charts['lineChart'];
let scatterChart: Charts['scatterChart'];
beforeAll(async () => {
  ({ barChart, lineChart, scatterChart } = await loadCharts());
});

const svgOf = (chart: Chart) => {
  expect(chart.dataUri).toMatch(/^data:image\/svg\+xml;base64,/);
  return Buffer.from(chart.dataUri.split(',')[1]!, 'base64').toString('utf8');
};

describe('charts', () => {
  it('when a grouped bar chart is drawn, then the SVG names each category and series, and series differ by pattern', () => {
    const chart = barChart({
      title: 'Option choices',
      categories: ['Item 1', 'Item 2'],
      series: [
        { name: 'A', values: [3, 5] },
        { name: 'B', values: [1, 0] },
      ],
    });
    const svg = svgOf(chart);
    expect(svg).toMatch(/^<svg /);
    for (const text of ['Option choices', 'Item 1', 'Item 2', '>A<', '>B<']) expect(svg).toContain(text);
    expect(svg).toContain('<pattern');
    expect(svg).not.toMatch(/<script|javascript:|on[a-z]+=/i);
    expect(chart.alt).toBe('Bar chart, Option choices. A: Item 1 3, Item 2 5. B: Item 1 1, Item 2 0.');
  });

  it('when a label carries markup, then it is text in the SVG, never an element', () => {
    const svg = svgOf(
      barChart({
        title: '<script>x()</script>',
        categories: ['<img src=x onerror=y()>'],
        series: [{ name: 'n', values: [1] }],
      }),
    );
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;script&gt;');
  });

  it('when a scatter chart has guides, then the points are labelled and the alt lists each point', () => {
    const chart = scatterChart({
      title: 'Difficulty and discrimination',
      points: [
        { x: 0.5, y: 0.3, label: 'q1' },
        { x: 0.97, y: -0.1, label: 'q2' },
      ],
      xLabel: 'Difficulty',
      yLabel: 'Discrimination',
      xRange: [0, 1],
      yRange: [-1, 1],
      guides: { x: [0.25, 0.95], y: [0.1] },
    });
    const svg = svgOf(chart);
    expect(svg).toContain('q1');
    expect(svg).toContain('Discrimination');
    expect(chart.alt).toContain('q2: 0.97, -0.1');
  });

  it('when a line chart has two series, then both are drawn with the legend', () => {
    const svg = svgOf(
      lineChart({
        title: 'Completions per week',
        categories: ['2026-W01', '2026-W02'],
        series: [
          { name: 'Completions', values: [4, 7] },
          { name: 'Passed', values: [3, 6] },
        ],
      }),
    );
    expect(svg).toContain('2026-W02');
    expect(svg).toContain('Passed');
  });
});
