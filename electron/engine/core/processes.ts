import { readdirSync, readFileSync } from 'node:fs';

/**
 * What /proc says about processes (Linux): process groups, and the processes a crashed runner
 * left behind. Zombies do not count: they are gone, only not yet reaped by whoever adopted them.
 */

export interface ProcInfo {
  pid: number;
  pgid: number;
  state: string;
  /** Clock ticks after boot at which the process started (tells a reused pid apart). */
  startTime: number;
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
export function parseStat(text: string): Omit<ProcInfo, 'pid'> | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).split(' ');
  // state is field 3 of stat; after ") " it is index 0; pgrp is field 5 (index 2); starttime field 22 (index 19).
  const pgid = Number(fields[2]);
  const startTime = Number(fields[19]);
  if (!Number.isFinite(pgid) || !Number.isFinite(startTime)) return null;
  return { state: fields[0] ?? '?', pgid, startTime };
}

export function procInfo(pid: number): ProcInfo | null {
  try {
    const parsed = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return parsed ? { pid, ...parsed } : null;
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Live (not zombie) members of a process group. */
export function liveGroupMembers(pgid: number): number[] {
  return allPids().filter((pid) => {
    const info = procInfo(pid);
    return info !== null && info.pgid === pgid && info.state !== 'Z';
  });
}

/** Live processes whose command line or environment contains `needle`. */
export function processesMentioning(needle: string, where: { cmdline?: boolean; environ?: boolean }): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const texts: string[] = [];
    try {
      if (where.cmdline) texts.push(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
      if (where.environ) texts.push(readFileSync(`/proc/${pid}/environ`, 'latin1'));
    } catch {
      continue; // gone, or not ours to read
    }
    if (!texts.some((t) => t.includes(needle))) continue;
    const info = procInfo(pid);
    if (info && info.state !== 'Z') found.push(info);
  }
  return found;
}
