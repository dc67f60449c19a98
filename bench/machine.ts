/**
 * The machine a run happened on, printed above every table and stored in the
 * JSON: absolute times only mean something next to these.
 * @module
 */
import os from 'node:os';

import * as native from '../lib/native';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  kernel: string;
  node: string;
  v8: string;
  nativeAddon: string;
  /** 1-minute load average when the run started: the machine is shared. */
  loadAverage1m: number;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
    kernel: os.release(),
    node: process.version,
    v8: process.versions.v8,
    nativeAddon: native.available ? 'loaded' : `not loaded (${native.unavailableReason?.message})`,
    loadAverage1m: os.loadavg()[0],
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform} ${m.kernel}; ` +
    `Node ${m.node}, V8 ${m.v8}; native addon ${m.nativeAddon}; load average ${m.loadAverage1m.toFixed(2)}`;
}
