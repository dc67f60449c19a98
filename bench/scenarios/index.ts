/**
 * The one list of scenarios, in the order they run and print. `--quick` runs
 * those that have quick settings (scenarios 1-3, 6 and 8, about a minute).
 * @module
 */
import { asyncScenario } from './async';
import { contended } from './contended';
import { handoff } from './handoff';
import { memory } from './memory';
import { named } from './named';
import { peers } from './peers';
import { pool } from './pool';
import { primitives } from './primitives';
import type { Scenario } from './scenario';
import { uncontended } from './uncontended';

export const SCENARIOS: readonly Scenario[] = [
  uncontended,
  contended,
  handoff,
  pool,
  asyncScenario,
  memory,
  peers,
  primitives,
  named,
];
