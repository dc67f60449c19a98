/**
 * os-mutex benchmark suite: every lock implementation side by side, in one run.
 *
 *   node dist/bench/run.js [--quick] [--out DIR] [--only id,id] [--baseline DIR]
 *
 *   --quick     CI smoke: scenarios 1-3, 6 and 8 with small settings, about a minute;
 *               asserts nothing about speed (exit 1 only if a scenario fails).
 *   --out       folder for results.json and the SVG charts (default bench/results).
 *   --only      run only these scenario ids (see scenarios/index.ts).
 *   --baseline  a built checkout of another commit of os-mutex: its Mutex (native)
 *               and AtomicsMutex run as extra rows (native@base, atomics@base),
 *               interleaved with this tree's (see implementations.ts).
 *
 * Tables go to stdout, headed by the machine; progress goes to stderr.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { renderCharts } from './charts';
import { BASELINE_ENV } from './implementations';
import { describeMachine, machineLine } from './machine';
import { REPO_ROOT } from './paths';
import { renderTable } from './report';
import { SCENARIOS } from './scenarios';
import type { Chart, ScenarioOutput } from './scenarios/scenario';

interface Options {
  quick: boolean;
  out: string;
  only: string[] | undefined;
  baseline: string | undefined;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
      baseline: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: node dist/bench/run.js [--quick] [--out DIR] [--only ' +
      `${SCENARIOS.map((s) => s.id).join(',')}] [--baseline DIR]`);
    process.exit(0);
  }
  const only = values.only?.split(',').map((id) => id.trim()).filter(Boolean);
  const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario id(s): ${unknown.join(', ')}`);
  return {
    quick: values.quick ?? false,
    out: values.out === undefined ? path.join(REPO_ROOT, 'bench', 'results') : path.resolve(values.out),
    only,
    baseline: values.baseline === undefined ? undefined : path.resolve(values.baseline),
  };
}

/**
 * Hands the baseline to implementations.ts, and through the environment to
 * every worker and child process; clears a stray value when there is none.
 * Returns what the baseline is, for the header: its folder and commit.
 */
function useBaseline(dir: string | undefined): string | undefined {
  if (dir === undefined) {
    delete process.env[BASELINE_ENV];
    return undefined;
  }
  for (const file of ['dist/lib/native.js', 'dist/lib/atomics.js']) {
    if (!existsSync(path.join(dir, file))) throw new Error(`--baseline ${dir}: no ${file} (build that checkout first)`);
  }
  process.env[BASELINE_ENV] = dir;
  let commit = 'commit unknown';
  try {
    commit = execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h %s'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout: the folder alone names it
  }
  return `${dir} (${commit})`;
}

function log(line: string): void {
  process.stderr.write(`  .. ${line}\n`);
}

function print(index: number, title: string, output: ScenarioOutput, seconds: number): void {
  console.log(`\n## ${index}. ${title}  (${seconds.toFixed(1)} s)`);
  if (output.skipped !== undefined) console.log(`skipped: ${output.skipped}`);
  for (const table of output.tables) console.log(`\n${renderTable(table)}`);
  if (output.notes.length > 0) console.log(`\n${output.notes.map((note) => `- ${note}`).join('\n')}`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  const baseline = useBaseline(options.baseline);
  const startedAt = new Date();
  const machine = describeMachine();
  const mode = options.quick ? 'quick' : 'full';
  console.log(`# os-mutex benchmarks (${mode}), ${startedAt.toISOString()}`);
  console.log(`machine: ${machineLine(machine)}`);
  if (baseline !== undefined) console.log(`baseline (@base rows): ${baseline}`);

  const results: Record<string, unknown> = {};
  const charts: Chart[] = [];
  let failed = 0;
  for (const [i, scenario] of SCENARIOS.entries()) {
    if (options.only !== undefined && !options.only.includes(scenario.id)) continue;
    const settings = options.quick ? scenario.settings.quick : scenario.settings.full;
    if (settings === undefined) continue; // not part of --quick
    const t0 = performance.now();
    let output: ScenarioOutput;
    try {
      output = await scenario.run(settings, { log });
    } catch (error) {
      failed++;
      output = { skipped: `FAILED: ${(error as Error).stack ?? String(error)}`, tables: [], notes: [], data: {} };
    }
    const seconds = (performance.now() - t0) / 1e3;
    print(i + 1, scenario.title, output, seconds);
    results[scenario.id] = { title: scenario.title, settings, seconds, skipped: output.skipped, notes: output.notes, data: output.data };
    charts.push(...(output.charts ?? []));
  }

  await mkdir(options.out, { recursive: true });
  const jsonFile = path.join(options.out, 'results.json');
  const totalSeconds = (Date.now() - startedAt.getTime()) / 1e3;
  await writeFile(jsonFile, `${JSON.stringify({ mode, startedAt, seconds: totalSeconds, machine, baseline, scenarios: results }, null, 2)}\n`);
  const rendered = await renderCharts(charts, options.out);
  console.log(`\nwrote ${path.relative(process.cwd(), jsonFile)}` +
    (rendered.files.length > 0 ? `, ${rendered.files.map((f) => path.relative(process.cwd(), f)).join(', ')}` : ''));
  if (rendered.skipped !== undefined) console.log(rendered.skipped);
  console.log(`total ${totalSeconds.toFixed(1)} s${failed > 0 ? `; ${failed} scenario(s) FAILED` : ''}`);
  if (failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
