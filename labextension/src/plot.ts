/**
 * plotly.js for every figure. It is loaded on the first draw (its own chunk, 4.4 MiB), themed
 * from JupyterLab's CSS variables, and redrawn with Plotly.react so a live output updates the
 * same figure in place instead of building a new one.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Plotly = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Trace = Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Layout = Record<string, any>;

let plotly: Promise<Plotly> | null = null;

export function loadPlotly(): Promise<Plotly> {
  if (!plotly) {
    const start = performance.now();
    plotly = import('plotly.js-dist-min').then((m: Plotly) => {
      // Fetching and parsing the 4.4 MiB chunk, once per page (bench/lab-render.ts reports it apart).
      performance.measure('proxyrm:plotly-load', { start, end: performance.now() });
      return m.default ?? m;
    });
  }
  return plotly;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** Colours and fonts of the current JupyterLab theme (light or dark). */
export function themeLayout(): Layout {
  const fg = cssVar('--jp-ui-font-color1', '#222');
  const grid = cssVar('--jp-border-color2', '#ddd');
  return {
    paper_bgcolor: cssVar('--jp-layout-color0', '#fff'),
    plot_bgcolor: cssVar('--jp-layout-color0', '#fff'),
    font: { color: fg, family: cssVar('--jp-ui-font-family', 'sans-serif'), size: 12 },
    xaxis: { gridcolor: grid, zerolinecolor: grid },
    yaxis: { gridcolor: grid, zerolinecolor: grid },
    legend: { bgcolor: 'rgba(0,0,0,0)' },
    hoverlabel: { align: 'left' },
    colorway: ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'],
  };
}

function merge(base: Layout, extra: Layout): Layout {
  const out: Layout = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] && typeof base[k] === 'object' ? { ...base[k], ...v } : v;
  }
  return out;
}

/**
 * Draws (or redraws in place) a figure in `node`. Fixed width and height: the output may not be
 * attached to the page yet, so plotly cannot measure it.
 */
export async function draw(node: HTMLElement, traces: Trace[], layout: Layout, options: { width?: number; height?: number } = {}): Promise<void> {
  const Plotly = await loadPlotly();
  const full = merge(themeLayout(), {
    width: options.width ?? 640,
    height: options.height ?? 340,
    margin: { l: 56, r: 16, t: 36, b: 48 },
    ...layout,
  });
  await Plotly.react(node, traces, full, { displaylogo: false, responsive: false });
  node.dataset.proxyrmPlot = 'true';
}

/** Recolours every figure under `root` after a theme switch. */
export async function retheme(root: HTMLElement): Promise<void> {
  const figures = root.querySelectorAll<HTMLElement>('[data-proxyrm-plot="true"]');
  if (figures.length === 0) return;
  const Plotly = await loadPlotly();
  const t = themeLayout();
  for (const fig of Array.from(figures)) {
    await Plotly.relayout(fig, {
      paper_bgcolor: t.paper_bgcolor,
      plot_bgcolor: t.plot_bgcolor,
      'font.color': t.font.color,
      'xaxis.gridcolor': t.xaxis.gridcolor,
      'yaxis.gridcolor': t.yaxis.gridcolor,
    });
  }
}
