import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Mountpoint } from '../../../shared/contract/models/inspection';
import type { AppliedFix, CommandOutcome, FileChange } from '../../../shared/contract/models/repair';
import { EngineFailure, fail } from '../core/errors';
import type { LogSink } from '../core/stage';
import type { ToolRunner } from '../core/tool-runner';
import type { GfCommand, GfResult } from '../appliance/guestfish-protocol';
import type { GuestfishSession } from '../appliance/guestfish-session';
import { backupPath, sha256, unifiedDiff } from './diff';
import type { DraftCommand, FileEdit, FixDraft, ReadGuestFile } from './draft';
import { describeEdit, editedText, toPlanned } from './draft';
import { REPAIR_FAILED } from './error-codes';
import { mergeHive } from './windows/hive';

/**
 * Applies the chosen fixes through the appliance: the guest's file systems mounted read-write
 * as its fstab mounts them, every edited file's original kept beside it (FILE.hyper2kvm-orig,
 * the first original only: a second repair never overwrites it), the edits written, then the
 * commands run inside the guest in phase order, each distinct command once. Every change is
 * recorded with the file's hash before and after.
 *
 * The session is an overlay over the disks: if anything here fails, the caller drops the
 * overlay and the disks are exactly as they were.
 */

export interface ApplyContext {
  session: GuestfishSession;
  /** How the guest mounts its file systems (libguestfs' reading of its fstab). */
  mountpoints: readonly Mountpoint[];
  /** The guest's files as the inspection read them. */
  read: ReadGuestFile;
  log: LogSink;
  /** Called before each step, for the progress bar. */
  step?: (label: string, expectSeconds?: number) => void;
  /** For registry hives merged on the host (Windows): the tools, and a folder of the job for the edited copies. */
  tools?: ToolRunner;
  signal?: AbortSignal;
  workDir?: string;
}

/** Mountpoints shallowest first, so that /boot is mounted on top of /. */
export function mountOrder(mountpoints: readonly Mountpoint[]): Mountpoint[] {
  return [...mountpoints].sort((a, b) => a.path.split('/').filter(Boolean).length - b.path.split('/').filter(Boolean).length || a.path.localeCompare(b.path));
}

async function mustBatch(session: GuestfishSession, commands: GfCommand[], what: string): Promise<GfResult[]> {
  const results = await session.batch(commands);
  const bad = results.find((r) => !r.ok);
  if (bad) {
    fail(REPAIR_FAILED, `${what} failed: ${bad.error?.split('\n')[0] ?? 'no message'}`, 'Nothing was kept: the disk is as it was before the repair. The evidence shows the appliance’s message.', {
      command: ['guestfish', bad.command.name, ...(bad.command.args ?? [])],
      stderrTail: bad.error ?? '',
    });
  }
  return results;
}

/** Mounts the guest read-write (only / and /boot with rootOnly). */
export async function mountForWriting(session: GuestfishSession, mountpoints: readonly Mountpoint[], rootOnly = false): Promise<void> {
  const order = mountOrder(mountpoints).filter((m) => !rootOnly || m.path === '/' || m.path === '/boot');
  await mustBatch(session, [{ name: 'umount-all' }, ...order.map((m) => ({ name: 'mount', args: [m.device, m.path] }))], 'Mounting the guest read-write');
}

const SH_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const shellQuote = (arg: string): string => (/^[A-Za-z0-9_./=:,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
const RC_MARK = '@@hyper2kvm-rc=';

/** The sh -c text that runs argv in the guest and always exits 0, printing its exit code last. */
export function guestShell(argv: readonly string[]): string {
  return `${SH_PATH}; export PATH; LC_ALL=C; export LC_ALL; out=$(${argv.map(shellQuote).join(' ')} </dev/null 2>&1); rc=$?; printf '%s\\n' "$out"; echo "${RC_MARK}$rc@@"`;
}

export function parseGuestShell(output: string): { rc: number | null; text: string } {
  const m = new RegExp(`${RC_MARK}(\\d+)@@\\s*$`).exec(output);
  return { rc: m ? Number(m[1]) : null, text: m ? output.slice(0, m.index).trimEnd() : output };
}

const tail = (text: string, max = 2000): string => (text.length > max ? `…${text.slice(-max)}` : text);

export async function applyFixes(ctx: ApplyContext, drafts: readonly FixDraft[]): Promise<AppliedFix[]> {
  const { session } = ctx;
  session.assertWritable();
  const chosen = drafts.filter((d) => d.status === 'planned');
  const results = new Map<FixDraft, AppliedFix>(drafts.map((d) => [d, { ...toPlanned(d, ctx.read), applied: false, commandOutcomes: [] }]));
  if (chosen.length === 0) return [...results.values()];

  ctx.step?.('Mounting the guest read-write');
  await mountForWriting(session, ctx.mountpoints);

  // ---- files: all edits of one path composed in fix order, written once
  const edits = chosen.flatMap((d) => d.edits.map((edit) => ({ draft: d, edit })));
  const paths = [...new Set(edits.map((e) => e.edit.path))];
  ctx.step?.(`Writing ${paths.length} file${paths.length === 1 ? '' : 's'}`);
  const existing = await session.batch(paths.flatMap((p) => [{ name: 'exists', args: [p] }, { name: 'exists', args: [backupPath(p)] }]));
  const plan: GfCommand[] = [];
  /** Binary files written: their hash in the guest must be what was uploaded. */
  const expected: Array<{ path: string; sha256: string }> = [];
  const recorded = new Map<FixDraft, FileChange[]>();
  const record = (d: FixDraft, change: FileChange): void => {
    recorded.set(d, [...(recorded.get(d) ?? []), change]);
  };
  for (const [i, path] of paths.entries()) {
    const exists = existing[2 * i]!.output.trim() === 'true';
    const backupExists = existing[2 * i + 1]!.output.trim() === 'true';
    const mine = edits.filter((e) => e.edit.path === path);
    const owner = mine[0]!.draft;
    const kinds = new Set(mine.map((e) => e.edit.kind));
    const backup = exists && !backupExists ? [{ name: 'cp-a', args: [path, backupPath(path)] }] : [];
    if (kinds.has('upload')) {
      // A binary from the host (a driver): the last one asked for wins; the first original is kept.
      const edit = mine.map((e) => e.edit).filter((e): e is Extract<FileEdit, { kind: 'upload' }> => e.kind === 'upload').at(-1)!;
      plan.push(...backup, { name: 'mkdir-p', args: [dirname(path)] }, { name: 'upload', args: [edit.from, path] });
      expected.push({ path, sha256: edit.sha256 });
      record(owner, { ...describeEdit(edit, ctx.read), action: exists ? 'edit' : 'create', backup: exists ? backupPath(path) : null });
      continue;
    }
    if (kinds.has('hive')) {
      // Every fix's registry edits of this hive, in fix order, merged once on the host.
      const hiveEdits = mine.map((e) => e.edit).filter((e): e is Extract<FileEdit, { kind: 'hive' }> => e.kind === 'hive');
      const first = hiveEdits[0]!;
      if (!ctx.tools || !ctx.signal || !ctx.workDir) throw new Error('registry edits need the tool runner and a work folder');
      await mkdir(ctx.workDir, { recursive: true });
      const edited = join(ctx.workDir, `${first.hive}.edited`);
      const merged = await mergeHive(ctx.tools, ctx.signal, first.local, first.hive, hiveEdits.flatMap((e) => e.edits), edited);
      plan.push(...backup, { name: 'upload', args: [edited, path] });
      expected.push({ path, sha256: merged.sha256 });
      record(owner, { path, action: 'edit', diff: '', beforeSha256: first.sha256, afterSha256: merged.sha256, backup: backupPath(path), size: merged.size });
      continue;
    }
    if (kinds.has('symlink') || kinds.has('unlink') || kinds.has('copy')) {
      for (const { draft, edit } of mine) {
        plan.push(...linkOrCopy(edit, exists && !backupExists));
        record(draft, describeEdit(edit, ctx.read));
      }
      continue;
    }
    const before = exists ? ctx.read(path) : null;
    const after = editedText(path, mine.map((e) => e.edit), before);
    if (after === before) continue;
    plan.push(...backup);
    if (after === null) {
      plan.push({ name: 'rm', args: [path] });
    } else {
      const local = await session.scratchPath(`new-${path.split('/').pop()}`);
      await writeFile(local, after);
      if (!exists) plan.push({ name: 'mkdir-p', args: [dirname(path)] });
      plan.push({ name: 'upload', args: [local, path] });
      const created = mine.map((e) => e.edit).find((e): e is Extract<FileEdit, { kind: 'create' }> => e.kind === 'create');
      // A file system without POSIX modes (NTFS) has none to set.
      if (!exists && created?.mode !== null) plan.push({ name: 'chmod', args: [`0${(created?.mode ?? 0o644).toString(8)}`, path] });
    }
    record(owner, {
      path,
      action: after === null ? 'remove' : before === null ? 'create' : 'edit',
      diff: unifiedDiff(path, before, after),
      beforeSha256: before === null ? null : sha256(before),
      afterSha256: after === null ? null : sha256(after),
      backup: exists ? backupPath(path) : null,
    });
  }
  if (plan.length) await mustBatch(session, plan, 'Writing the repaired files');
  if (expected.length) {
    const sums = await mustBatch(session, expected.map((e) => ({ name: 'checksum', args: ['sha256', e.path] })), 'Checking the written files');
    const wrong = expected.find((e, i) => sums[i]!.output.trim() !== e.sha256);
    if (wrong) fail(REPAIR_FAILED, `${wrong.path} does not hold what was written (its sha256 differs).`, 'Nothing was kept: the disk is as it was before the repair. The guest’s file system may be damaged: check it on the source.', { path: wrong.path });
  }

  // ---- commands: phase order, each distinct command once, owned by the first fix asking for it
  const commands: Array<{ draft: FixDraft; command: DraftCommand }> = [];
  for (const d of chosen) for (const c of d.commands) if (!commands.some((x) => x.command.argv.join('\0') === c.argv.join('\0'))) commands.push({ draft: d, command: c });
  commands.sort((a, b) => a.command.phase - b.command.phase);
  const outcomes = new Map<FixDraft, CommandOutcome[]>();
  for (const { draft, command } of commands) {
    ctx.step?.(command.why, command.expectSeconds);
    const before = await snapshotFiles(session, command.produces);
    if (command.rootOnly) await mountForWriting(session, ctx.mountpoints, true);
    const started = Date.now();
    const [result] = await session.batch([{ name: 'sh', args: [guestShell(command.argv)] }]);
    const { rc, text } = parseGuestShell(result?.output ?? '');
    const outcome: CommandOutcome = { argv: command.argv, why: command.why, ok: !!result?.ok && rc === 0, durationMs: Date.now() - started, outputTail: tail(result?.ok ? text : (result?.error ?? '')) };
    outcomes.set(draft, [...(outcomes.get(draft) ?? []), outcome]);
    ctx.log(outcome.ok ? 'info' : 'error', `${command.argv.join(' ')}: ${outcome.ok ? `done in ${(outcome.durationMs / 1000).toFixed(1)} s` : `failed (exit ${rc ?? '?'})`}`);
    if (!outcome.ok) {
      throw new EngineFailure({
        code: REPAIR_FAILED,
        kind: 'failure',
        message: `${command.argv[0]!.split('/').pop()} failed inside the guest (exit code ${rc ?? 'unknown'}): ${command.why.toLowerCase()} did not work.`,
        hint: 'Nothing was kept: the disk is as it was before the repair. Read the command’s output below; leave this fix out (--skip) to apply the others.',
        evidence: { command: [...command.argv], exitCode: rc, stderrTail: outcome.outputTail },
      });
    }
    if (command.rootOnly) await mountForWriting(session, ctx.mountpoints);
    const after = await snapshotFiles(session, command.produces);
    for (const file of command.produces) {
      const b = before.get(file);
      const a = after.get(file);
      if (!a || b?.sha === a.sha) continue;
      record(draft, { path: file, action: b ? 'edit' : 'create', diff: b?.text !== undefined && a.text !== undefined ? unifiedDiff(file, b.text, a.text) : '', beforeSha256: b?.sha ?? null, afterSha256: a.sha, backup: b ? backupPath(file) : null });
    }
  }
  await mustBatch(session, [{ name: 'sync' }, { name: 'umount-all' }], 'Unmounting the guest');

  for (const d of chosen) {
    const base = results.get(d)!;
    results.set(d, { ...base, applied: true, changes: recorded.get(d) ?? [], commandOutcomes: outcomes.get(d) ?? [] });
  }
  return [...results.values()];
}

function linkOrCopy(edit: FileEdit, backup: boolean): GfCommand[] {
  switch (edit.kind) {
    case 'symlink':
      return [{ name: 'mkdir-p', args: [dirname(edit.path)] }, { name: 'ln-sf', args: [edit.target, edit.path] }];
    case 'unlink':
      return [{ name: 'rm', args: [edit.path] }];
    case 'copy':
      return [{ name: 'mkdir-p', args: [dirname(edit.path)] }, ...(backup ? [{ name: 'cp-a', args: [edit.path, backupPath(edit.path)] }] : []), { name: 'cp', args: [edit.from, edit.path] }];
    default:
      return [];
  }
}

/** Text files are small enough to diff (grub.cfg); anything larger is recorded by hash only. */
const DIFF_LIMIT = 256 * 1024;

/**
 * The hash (and, for a small text file, the content) of files a command rewrites, and the
 * original kept beside each one before the command runs.
 */
async function snapshotFiles(session: GuestfishSession, paths: readonly string[]): Promise<Map<string, { sha: string; text?: string }>> {
  const out = new Map<string, { sha: string; text?: string }>();
  if (paths.length === 0) return out;
  const probe = await session.batch(paths.flatMap((p) => [{ name: 'checksum', args: ['sha256', p] }, { name: 'filesize', args: [p] }, { name: 'exists', args: [backupPath(p)] }]));
  const fetch: GfCommand[] = [];
  const locals: Array<{ path: string; local: string }> = [];
  for (const [i, path] of paths.entries()) {
    const sum = probe[3 * i]!;
    if (!sum.ok) continue;
    out.set(path, { sha: sum.output.trim() });
    if (probe[3 * i + 2]!.output.trim() !== 'true') fetch.push({ name: 'cp-a', args: [path, backupPath(path)] });
    if (Number(probe[3 * i + 1]!.output) <= DIFF_LIMIT) {
      const local = await session.scratchPath(`snap-${path.split('/').pop()}`);
      locals.push({ path, local });
      fetch.push({ name: 'download', args: [path, local] });
    }
  }
  const fetched = fetch.length ? await session.batch(fetch) : [];
  for (const { path, local } of locals) {
    const ok = fetched.find((r) => r.command.name === 'download' && r.command.args?.[0] === path)?.ok;
    if (!ok) continue;
    const data = await readFile(local);
    if (!data.includes(0)) out.set(path, { ...out.get(path)!, text: data.toString('utf8') });
  }
  return out;
}
