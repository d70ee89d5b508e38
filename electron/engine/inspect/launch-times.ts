import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * How long the inspection appliance takes to start on this machine, and the inspection after
 * it, as measured by earlier inspections: the wizard's estimates and the inspection's progress
 * come from these instead of a constant (the appliance takes ~30 s on an idle 2-core machine
 * under TCG, 55 s when other guests keep it busy, a few seconds with KVM). Kept in the app's
 * data folder (the jobs folder's parent), the last few of each.
 */

export interface LaunchMeasurement {
  at: string;
  /** From starting guestfish until the appliance answered. */
  launchMs: number;
  /** From then until the report was written (null when the inspection did not finish). */
  inspectMs: number | null;
}

export interface InspectionEstimate {
  launchSeconds: number;
  inspectSeconds: number;
  /** How many measured launches the estimate rests on (0: the default for a machine without KVM). */
  measured: number;
}

/** What an appliance launch and an inspection take under TCG on an idle 2-core machine (docs/environment.md). */
export const DEFAULT_ESTIMATE: InspectionEstimate = { launchSeconds: 30, inspectSeconds: 10, measured: 0 };
const KEEP = 10;
/** The recent ones only: a machine's load changes; the median of five shrugs off one outlier. */
const USE = 5;

export function launchTimesFile(jobsDir: string): string {
  return join(dirname(jobsDir), 'measurements', 'inspection-appliance.json');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The estimate from measurements (pure): medians of the most recent launches and inspections. */
export function estimateFrom(measurements: readonly LaunchMeasurement[]): InspectionEstimate {
  const recent = measurements.slice(-USE);
  if (recent.length === 0) return DEFAULT_ESTIMATE;
  const inspections = recent.flatMap((m) => (m.inspectMs === null ? [] : [m.inspectMs]));
  return {
    launchSeconds: Math.round(median(recent.map((m) => m.launchMs)) / 1000),
    inspectSeconds: inspections.length > 0 ? Math.round(median(inspections) / 1000) : DEFAULT_ESTIMATE.inspectSeconds,
    measured: recent.length,
  };
}

export async function readLaunchTimes(file: string): Promise<LaunchMeasurement[]> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (!Array.isArray(value)) return [];
    return value.filter(
      (m): m is LaunchMeasurement =>
        typeof m === 'object' && m !== null && typeof (m as LaunchMeasurement).launchMs === 'number' && (m as LaunchMeasurement).launchMs > 0 && (typeof (m as LaunchMeasurement).inspectMs === 'number' || (m as LaunchMeasurement).inspectMs === null),
    );
  } catch {
    // Missing or damaged: estimates start again from the default.
    return [];
  }
}

export async function readEstimate(file: string): Promise<InspectionEstimate> {
  return estimateFrom(await readLaunchTimes(file));
}

/** Adds one measurement (written next to the file and renamed: readers never see half of it). */
export async function recordLaunch(file: string, measurement: LaunchMeasurement): Promise<void> {
  const kept = [...(await readLaunchTimes(file)), measurement].slice(-KEEP);
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  await writeFile(partial, `${JSON.stringify(kept, null, 2)}\n`);
  await rename(partial, file);
}
