/**
 * Rendering for stdout: aligned plain-text tables and the number formats
 * every scenario uses. No measurement happens here.
 * @module
 */
import type { Spread } from './harness/stats';

export interface Table {
  title: string;
  /** Column headers; a header starting with '<' is left-aligned (the '<' is dropped). */
  columns: string[];
  rows: string[][];
}

/** An aligned table: text columns to the left, figures to the right. */
export function renderTable(table: Table): string {
  const left = table.columns.map((c) => c.startsWith('<'));
  const headers = table.columns.map((c) => (c.startsWith('<') ? c.slice(1) : c));
  const widths = headers.map((h, i) => Math.max(h.length, ...table.rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (left[i] ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  return [
    table.title,
    line(headers),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map((row) => line(row)),
  ].join('\n');
}

/** Three significant figures, e.g. 1.23, 12.3, 123, 1230. */
export function sig3(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const abs = Math.abs(x);
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** A duration given in ns, in a readable unit. */
export function duration(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns >= 1e9) return `${sig3(ns / 1e9)} s`;
  if (ns >= 1e6) return `${sig3(ns / 1e6)} ms`;
  if (ns >= 1e3) return `${sig3(ns / 1e3)} µs`;
  return `${sig3(ns)} ns`;
}

/** A rate per second: 1.23 M/s. */
export function rate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return 'n/a';
  if (perSecond >= 1e6) return `${sig3(perSecond / 1e6)} M/s`;
  if (perSecond >= 1e3) return `${sig3(perSecond / 1e3)} k/s`;
  return `${sig3(perSecond)} /s`;
}

/** Bytes, binary units. */
export function bytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const abs = Math.abs(n);
  if (abs >= 2 ** 20) return `${sig3(n / 2 ** 20)} MiB`;
  if (abs >= 2 ** 10) return `${sig3(n / 2 ** 10)} KiB`;
  return `${sig3(n)} B`;
}

/** A ratio: 1.23x. */
export function ratio(x: number): string {
  return Number.isFinite(x) ? `${sig3(x)}x` : 'n/a';
}

/** Three cells: min, median, max, each through `format`. */
export function spreadCells(s: Spread, format: (x: number) => string): string[] {
  return [format(s.min), format(s.median), format(s.max)];
}
