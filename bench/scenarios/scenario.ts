/**
 * What a scenario is: a named measurement with its settings for quick (CI
 * smoke) and full runs, producing tables for stdout, figures for the JSON
 * file and, optionally, charts. The list of scenarios is scenarios/index.ts.
 * @module
 */
import type { Table } from '../report';

export interface ScenarioContext {
  /** Progress line on stderr (stdout is kept for the tables). */
  log(line: string): void;
}

export interface Chart {
  /** File name, written beside the JSON. */
  file: string;
  /** A Vega-Lite spec with its data inline. */
  spec: Record<string, unknown>;
}

export interface ScenarioOutput {
  /** Set when the whole scenario did not run: why. */
  skipped?: string;
  tables: Table[];
  /** Printed under the tables: method, caveats, per-row skip reasons. */
  notes: string[];
  /** Every figure, for the JSON file. */
  data: unknown;
  charts?: Chart[];
}

export interface Scenario<S = unknown> {
  readonly id: string;
  readonly title: string;
  /** Settings per mode; a scenario without `quick` settings is not part of --quick. */
  readonly settings: { readonly quick?: S; readonly full: S };
  run(settings: S, context: ScenarioContext): Promise<ScenarioOutput>;
}

/** A scenario that did not run, with why. */
export function skipped(reason: string, data: unknown = {}): ScenarioOutput {
  return { skipped: reason, tables: [], notes: [], data };
}
