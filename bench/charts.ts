/**
 * Renders the scenarios' Vega-Lite specs to SVG files, headless: vega-lite
 * compiles each spec to Vega, and Vega's View renders SVG with no browser and
 * no canvas. Both are ESM-only with top-level await, so they are loaded with a
 * real dynamic import() of the resolved file (tsc would turn a written
 * `import()` into require(), which refuses them).
 * When they are not installed, charts are skipped with the reason.
 * @module
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { implementations } from './implementations';
import type { Chart } from './scenarios/scenario';

interface VegaLite {
  compile(spec: unknown, options: { logger: unknown }): { spec: unknown };
}
interface Vega {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
}

const importUrl = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

/** import() of a package as resolved from here (not from the working directory). */
function importPackage(name: string): Promise<unknown> {
  return importUrl(pathToFileURL(require.resolve(name)).href);
}

/** Common look: readable fonts, white background. */
const CONFIG = {
  background: 'white',
  font: 'sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  legend: { labelLimit: 260 },
  header: { labelFontSize: 12, labelAngle: 0, labelAlign: 'left', labelOrient: 'top', labelAnchor: 'start' },
};

/** vega-lite's logger interface; ours drops warnings (facet scale notes are expected). */
interface Logger {
  level(): Logger;
  warn(): Logger;
  info(): Logger;
  debug(): Logger;
  error(...args: unknown[]): Logger;
}
const quietLogger: Logger = {
  level: () => quietLogger,
  warn: () => quietLogger,
  info: () => quietLogger,
  debug: () => quietLogger,
  error: (...args) => {
    console.error(...args);
    return quietLogger;
  },
};

/**
 * Color encoding by implementation label: the same color for an implementation in every chart.
 * `extraLabels`: rows a scenario measures besides the implementations (contended: the no-lock row).
 */
export function implementationColor(legend = true, extraLabels: readonly string[] = []): Record<string, unknown> {
  return {
    field: 'implementation', type: 'nominal', title: null,
    scale: { domain: [...implementations().map((impl) => impl.label), ...extraLabels], scheme: 'tableau10' },
    ...(legend ? {} : { legend: null }),
  };
}

/**
 * Writes each chart to `dir`. Returns the files written, or why none was.
 */
export async function renderCharts(charts: Chart[], dir: string): Promise<{ files: string[]; skipped?: string }> {
  let vega: Vega;
  let vegaLite: VegaLite;
  try {
    vega = await importPackage('vega') as Vega;
    vegaLite = await importPackage('vega-lite') as VegaLite;
  } catch (error) {
    return { files: [], skipped: `charts skipped: vega / vega-lite not installed (${(error as Error).message.split('\n')[0]})` };
  }
  const files: string[] = [];
  for (const chart of charts) {
    const vegaSpec = vegaLite.compile({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...chart.spec,
    }, { logger: quietLogger }).spec;
    const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
    const file = path.join(dir, chart.file);
    await writeFile(file, await view.toSVG());
    view.finalize();
    files.push(file);
  }
  return { files };
}
