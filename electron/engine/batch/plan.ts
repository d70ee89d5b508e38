import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { BatchSettingsInput, DEFAULT_HOOK_TIMEOUT_SECONDS, HOOK_POINTS, PlanFileInput, VmEntryInput, VmSettingsInput } from '../../../shared/contract/models/batch';
import type { HookSpec, PlanProblem, ResolvedConcurrency, ResolvedHook, ResolvedPlan, ResolvedSettings, ResolvedVm, VcenterSource, VmSource } from '../../../shared/contract/models/batch';
import { OutputName } from '../../../shared/contract/models/convert';
import { stagesRun } from './job-options';
import { deepMerge, isPlainMap, withoutNulls } from './merge';
import type { PlainMap } from './merge';
import { parsePlanDocument } from './plan-document';
import type { KeyPath, PlanDocument, Position } from './plan-document';

/**
 * Reads a plan: YAML → the contract's schema → each VM's settings (defaults deep-merged with its
 * overrides, built-in defaults applied, paths made absolute). Every problem is collected, never
 * only the first, each with the file, line and column it is about. This part looks at the text
 * alone; plan-checks.ts then looks at what the plan names (paths, networks, vCenter VMs).
 */

export const DEFAULT_CONCURRENCY = 2;
const BATCH_KEYS = Object.keys(BatchSettingsInput.shape);
const VM_IDENTITY_KEYS = ['name', 'source', 'vm'];

export interface PlanReading {
  /** Null when there is any error. */
  plan: ResolvedPlan | null;
  problems: PlanProblem[];
  /** Where things are, for later checks to place their problems. */
  locate: PlanLocator;
}

export interface PlanLocator {
  /** Whether the plan writes a value at `path`. */
  has(path: KeyPath): boolean;
  value(path: KeyPath): Position;
  key(path: KeyPath, key: string): Position;
}

export function readPlan(text: string, file: string, home = homedir()): PlanReading {
  const doc = parsePlanDocument(text);
  const problems = new ProblemList(file, doc);
  const locate: PlanLocator = { has: (path) => valueAt(doc.value, path) !== undefined, value: doc.valueAt, key: doc.keyAt };
  for (const s of doc.syntax) problems.addAt('error', 'PLAN_YAML_SYNTAX', s.message, { line: s.line, column: s.column }, [], 'Fix the YAML syntax at this place (indentation, quotes, brackets).');
  const root = doc.value;
  // After a syntax error the data is a guess: checking it would only add noise.
  if (doc.syntax.length > 0) return { plan: null, problems: problems.sorted(), locate };
  if (!isPlainMap(root)) {
    if (doc.syntax.length === 0) problems.add('error', 'PLAN_NOT_A_MAP', 'A plan is a map with `defaults:` and `vms:`.', [], 'Start from the example in the README (batch section).');
    return { plan: null, problems: problems.sorted(), locate };
  }

  // A key of defaults set to null is simply not set.
  const defaults = isPlainMap(root.defaults) ? (withoutNulls(root.defaults) as PlainMap) : {};
  problems.zod(PlanFileInput.safeParse({ ...root, defaults: root.defaults === null ? undefined : isPlainMap(root.defaults) ? defaults : root.defaults }), []);
  const baseDir = dirname(file);
  const vmsValue = Array.isArray(root.vms) ? (root.vms as unknown[]) : [];
  if (Array.isArray(root.vms) && vmsValue.length === 0) problems.add('warning', 'PLAN_NO_VMS', 'The plan lists no VMs: there is nothing to do.', ['vms'], 'Add VMs under `vms:`, each with `source:` (a local file) or `vm:` (a vCenter VM).');

  const vmDefaults = Object.fromEntries(Object.entries(defaults).filter(([key]) => !BATCH_KEYS.includes(key)));
  const vms: ResolvedVm[] = [];
  const seenNames = new Map<string, number>();
  const seenSources = new Map<string, number>();
  for (const [index, entry] of vmsValue.entries()) {
    const at: KeyPath = ['vms', index];
    if (!isPlainMap(entry)) {
      problems.add('error', 'PLAN_VM_NOT_A_MAP', `vms[${index}] is not a map: each VM is a map with name and source (or vm).`, at, 'Write the VM as `- name: … ` followed by `source: …` on the next line, indented.');
      continue;
    }
    const overrides: PlainMap = {};
    for (const [key, value] of Object.entries(entry)) {
      if (BATCH_KEYS.includes(key)) problems.addKey('error', 'PLAN_BATCH_KEY_IN_VM', `${key} is a setting of the whole batch, not of one VM.`, at, key, 'Move it under `defaults:`.');
      else overrides[key] = value;
    }
    const before = problems.count();
    problems.zod(VmEntryInput.safeParse(withoutNulls(overrides)), at);
    const identity = vmIdentity(overrides, index, baseDir, home, problems);
    if (!identity) continue;
    const { name, source, sourceKey } = identity;
    const earlierName = seenNames.get(name);
    const earlierSource = seenSources.get(sourceKey);
    // A name borrowed from a source listed twice is the same mistake: say it once.
    if (earlierName !== undefined && (entry.name !== undefined || earlierSource === undefined)) problems.add('error', 'PLAN_DUPLICATE_VM', `The VM name ${name} is used twice (also vms[${earlierName}]).`, [...at, ...(entry.name !== undefined ? ['name'] : [])], 'Give each VM a name of its own: it names the VM’s outputs.');
    else seenNames.set(name, index);
    if (earlierSource !== undefined) problems.add('error', 'PLAN_DUPLICATE_VM', `vms[${index}] is the same VM as vms[${earlierSource}] (${describeSource(source)}).`, [...at, source.kind === 'local' ? 'source' : 'vm'], 'List each VM once; give it the overrides it needs there.');
    else seenSources.set(sourceKey, index);
    if (problems.count() > before) continue;

    const settingsKeys = Object.fromEntries(Object.entries(overrides).filter(([key]) => !VM_IDENTITY_KEYS.includes(key)));
    const merged = deepMerge(vmDefaults, settingsKeys) as PlainMap;
    const mergedCheck = VmSettingsInput.safeParse(merged);
    if (!mergedCheck.success) {
      problems.zodMerged(mergedCheck, at, overrides);
      continue;
    }
    const settings = resolveSettings(mergedCheck.data, { name, at, baseDir, home, source, problems, overrides });
    if (!settings) continue;
    vms.push({ name, index, source: source.kind === 'vcenter' ? { ...source, server: settings.vcenter?.server ?? '' } : source, settings });
  }

  const concurrency = resolveConcurrency(defaults.concurrency);
  const stopAfterFailures = typeof defaults.stopAfterFailures === 'number' ? defaults.stopAfterFailures : null;
  const hasErrors = problems.all().some((p) => p.severity === 'error');
  const plan: ResolvedPlan | null = hasErrors
    ? null
    : {
        file,
        title: typeof root.title === 'string' ? root.title : null,
        concurrency,
        stopAfterFailures,
        vms,
        forklift: isPlainMap(root.forklift) ? (withoutNulls(root.forklift) as ResolvedPlan['forklift']) : null,
      };
  return { plan, problems: problems.sorted(), locate };
}

// ---------------------------------------------------------------------------------------------

interface Identity {
  name: string;
  source: VmSource;
  /** What makes two entries the same VM. */
  sourceKey: string;
}

function vmIdentity(entry: PlainMap, index: number, baseDir: string, home: string, problems: ProblemList): Identity | null {
  const at: KeyPath = ['vms', index];
  const hasSource = entry.source !== undefined && entry.source !== null;
  const hasVm = entry.vm !== undefined && entry.vm !== null;
  // A source of the wrong type was reported by the schema already.
  if (hasSource && (typeof entry.source !== 'string' || entry.source === '')) return null;
  if (hasSource === hasVm) {
    problems.add('error', 'PLAN_VM_SOURCE', hasSource ? `vms[${index}] has both source and vm: a VM is either a local source or a vCenter VM.` : `vms[${index}] has neither source (a local file) nor vm (a vCenter VM).`, at, 'Give `source: /path/to/disk-or-vmx` or `vm: name-in-vcenter`.');
    return null;
  }
  let source: VmSource;
  let derived: string | undefined;
  let sourceKey: string;
  if (hasSource) {
    const path = absolutePath(entry.source as string, baseDir, home);
    source = { kind: 'local', path };
    derived = basename(path, extname(path));
    sourceKey = `local:${path}`;
  } else {
    const ref = typeof entry.vm === 'string' ? { name: entry.vm } : isPlainMap(entry.vm) ? (entry.vm as { name?: string; id?: string; path?: string }) : {};
    source = { kind: 'vcenter', server: '', ...(ref.name ? { name: ref.name } : {}), ...(ref.id ? { id: ref.id } : {}), ...(ref.path ? { path: ref.path } : {}) };
    derived = ref.name ?? (ref.path ? ref.path.slice(ref.path.lastIndexOf('/') + 1) : undefined);
    sourceKey = `vcenter:${JSON.stringify(ref)}`;
  }
  const given = typeof entry.name === 'string' ? entry.name : undefined;
  const name = given ?? derived;
  if (given === undefined && (name === undefined || !OutputName.safeParse(name).success)) {
    problems.add('error', 'PLAN_VM_NAME', name === undefined ? `vms[${index}] needs a name (a VM given by id has none to borrow).` : `vms[${index}] needs a name: "${name}" cannot name files (letters, digits, dot, dash, underscore and plus).`, at, 'Add `name: …` to the VM.');
    return null;
  }
  if (name === undefined) return null;
  return { name, source, sourceKey };
}

function describeSource(source: VmSource): string {
  if (source.kind === 'local') return source.path;
  return source.id ?? source.path ?? source.name ?? '?';
}

interface ResolveContext {
  name: string;
  at: KeyPath;
  baseDir: string;
  home: string;
  source: VmSource;
  problems: ProblemList;
  overrides: PlainMap;
}

/** Built-in defaults, paths made absolute, hooks flattened; problems that need the merged view. */
function resolveSettings(input: z.output<typeof VmSettingsInput>, ctx: ResolveContext): ResolvedSettings | null {
  const { problems, at, name } = ctx;
  const before = problems.count();
  // Where a merged key came from: the VM's entry when it has it, else defaults.
  const where = (key: string): KeyPath => (ctx.overrides[key] !== undefined ? [...at, key] : ['defaults', key]);
  if (input.destination === undefined) problems.add('error', 'PLAN_NO_DESTINATION', `${name} has no destination.`, at, 'Set `destination:` under defaults, or on the VM.');

  let vcenter: VcenterSource | undefined;
  if (ctx.source.kind === 'vcenter') {
    const v = input.vcenter ?? {};
    if (!v.server || !v.user) problems.add('error', 'PLAN_NO_VCENTER', `${name} is a vCenter VM, but no vCenter ${!v.server ? 'server' : 'user'} is given.`, input.vcenter ? where('vcenter') : at, 'Set `vcenter: { server, user, passwordFile }` under defaults (or on the VM).');
    if ((v.passwordFile === undefined) === (v.passwordEnv === undefined)) problems.add('error', 'PLAN_VCENTER_PASSWORD', `${name}: give exactly one of passwordFile and passwordEnv for ${v.server ?? 'the vCenter'}.`, input.vcenter ? where('vcenter') : at, 'Passwords never go in the plan: name a file that holds it, or an environment variable.');
    if (v.thumbprint !== undefined && v.ca !== undefined) problems.add('error', 'PLAN_VCENTER_TRUST', `${name}: give thumbprint or ca, not both.`, where('vcenter'), 'A thumbprint pins the certificate; a CA file verifies its chain. Pick one.');
    if (v.server && v.user) {
      vcenter = {
        server: v.server,
        user: v.user,
        ...(v.passwordFile !== undefined ? { passwordFile: absolutePath(v.passwordFile, ctx.baseDir, ctx.home) } : {}),
        ...(v.passwordEnv !== undefined ? { passwordEnv: v.passwordEnv } : {}),
        ...(v.thumbprint !== undefined ? { thumbprint: v.thumbprint } : {}),
        ...(v.ca !== undefined ? { ca: absolutePath(v.ca, ctx.baseDir, ctx.home) } : {}),
      };
    }
  } else if (input.transfer !== undefined && ctx.overrides.transfer !== undefined) {
    problems.add('warning', 'PLAN_UNUSED_SETTING', `${name} is a local source: transfer settings apply to vCenter VMs only.`, [...at, 'transfer'], 'Remove them from this VM.');
  }

  const hooks: ResolvedHook[] = [];
  for (const point of HOOK_POINTS) {
    for (const [i, hook] of (input.hooks?.[point] ?? []).entries()) {
      const resolved = resolveHook(point, hook, ctx, [...where('hooks'), point, i]);
      if (resolved) hooks.push(resolved);
    }
  }

  const repair = input.repair === undefined || input.repair === false ? false : input.repair === true ? {} : input.repair;
  const define =
    input.define === undefined || input.define === false
      ? false
      : { connection: 'qemu:///system' as const, onCollision: 'refuse' as const, options: {}, ...(input.define === true ? {} : input.define) };
  const verifyBoot = input.verifyBoot === undefined || input.verifyBoot === false ? false : input.verifyBoot === true ? {} : input.verifyBoot;
  if (problems.count() > before || input.destination === undefined) return null;

  const settings: ResolvedSettings = {
    destination: absolutePath(input.destination, ctx.baseDir, ctx.home),
    format: input.format ?? 'qcow2',
    compress: input.compress ?? false,
    overwrite: input.overwrite ?? false,
    inspect: input.inspect ?? false,
    repair,
    define: define === false ? false : { ...define, options: define.options ?? {} },
    verifyBoot,
    networks: Object.fromEntries(Object.entries(input.networks ?? {}).map(([k, v]) => [k, v.network !== undefined ? { network: v.network } : { bridge: v.bridge! }])),
    storage: Object.fromEntries(Object.entries(input.storage ?? {}).map(([k, v]) => [k, absolutePath(v, ctx.baseDir, ctx.home)])),
    hooks,
    transfer: { parallelDisks: input.transfer?.parallelDisks ?? 2, retries: input.transfer?.retries ?? 6, ...(input.transfer?.limitMBps !== undefined ? { limitMBps: input.transfer.limitMBps } : {}) },
    ...(vcenter ? { vcenter } : {}),
  };

  // Hooks at a step this VM's job does not run: say so rather than skip them quietly.
  const stages = stagesRun(ctx.source.kind, settings);
  for (const hook of hooks) {
    const stage = hook.point.replace(/^(before|after)-/, '');
    if (!stages.has(stage)) {
      problems.addKey('warning', 'PLAN_HOOK_NEVER_RUNS', `${name}: the ${hook.point} hook will not run: ${ctx.source.kind === 'local' && stage === 'transfer' ? 'a local source is not downloaded' : `this VM's migration has no ${stage} step`}.`, where('hooks'), hook.point, 'Attach it to a step the migration runs (convert, check, finalize…).');
    }
  }
  return settings;
}

function resolveHook(point: string, hook: HookSpec, ctx: ResolveContext, at: KeyPath): ResolvedHook | null {
  const shell = hook.shell ?? false;
  let command: string[];
  if (typeof hook.command === 'string') {
    if (!shell) {
      ctx.problems.add('error', 'PLAN_HOOK_COMMAND', `${point}: a command given as one string needs \`shell: true\`.`, [...at, 'command'], 'Give an argument list, e.g. command: ["/usr/local/bin/notify", "converted"], or add shell: true to run it with /bin/sh -c.');
      return null;
    }
    command = ['/bin/sh', '-c', hook.command];
  } else {
    if (shell) {
      ctx.problems.add('error', 'PLAN_HOOK_COMMAND', `${point}: with \`shell: true\`, give the command as one string.`, [...at, 'command'], 'Write it as the shell line it is: command: "notify converted && sync".');
      return null;
    }
    const [program, ...args] = hook.command;
    command = [program!.includes('/') ? absolutePath(program!, ctx.baseDir, ctx.home) : program!, ...args];
  }
  return { point, command, shell, timeoutSeconds: hook.timeout ?? DEFAULT_HOOK_TIMEOUT_SECONDS, onFailure: hook.onFailure ?? 'fail', env: hook.env ?? {} };
}

export function resolveConcurrency(value: unknown): ResolvedConcurrency {
  if (typeof value === 'number') return { total: value, perHost: null, perDatastore: null };
  if (isPlainMap(value)) {
    const n = (key: string): number | null => (typeof value[key] === 'number' ? value[key] : null);
    return { total: n('total') ?? DEFAULT_CONCURRENCY, perHost: n('perHost'), perDatastore: n('perDatastore') };
  }
  return { total: DEFAULT_CONCURRENCY, perHost: null, perDatastore: null };
}

/** `~/x` is in the home folder; relative paths are relative to the plan's folder. */
export function absolutePath(path: string, baseDir: string, home: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(home, path.slice(2));
  return isAbsolute(path) ? resolve(path) : resolve(baseDir, path);
}

// ---------------------------------------------------------------------------------------------

/**
 * Sorted by position; the same problem at the same place (a default every VM inherits) is said
 * once, with how many VMs it concerns.
 */
export function mergeProblems(problems: readonly PlanProblem[]): PlanProblem[] {
  const groups = new Map<string, PlanProblem[]>();
  for (const p of problems) {
    const key = `${p.severity}\u0000${p.code}\u0000${p.line}\u0000${p.column}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const merged = [...groups.values()].map((group) => (group.length === 1 ? group[0]! : { ...group[0]!, message: `${group[0]!.message} (the same for ${group.length - 1} more VM${group.length === 2 ? '' : 's'})` }));
  return merged.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Problems with positions; zod issues turned into sentences for people. */
export class ProblemList {
  private readonly list: PlanProblem[] = [];
  constructor(
    private readonly file: string,
    private readonly doc: Pick<PlanDocument, 'value' | 'valueAt' | 'keyAt'>,
  ) {}

  count(): number {
    return this.list.filter((p) => p.severity === 'error').length;
  }

  all(): PlanProblem[] {
    return this.list;
  }

  sorted(): PlanProblem[] {
    return mergeProblems(this.list);
  }

  addAt(severity: PlanProblem['severity'], code: string, message: string, position: Position, path: KeyPath, hint?: string): void {
    this.list.push({ severity, code, message, ...(hint ? { hint } : {}), file: this.file, line: position.line, column: position.column, path: formatPath(path) });
  }

  add(severity: PlanProblem['severity'], code: string, message: string, path: KeyPath, hint?: string): void {
    this.addAt(severity, code, message, this.doc.valueAt(path), path, hint);
  }

  addKey(severity: PlanProblem['severity'], code: string, message: string, path: KeyPath, key: string, hint?: string): void {
    this.addAt(severity, code, message, this.doc.keyAt(path, key), [...path, key], hint);
  }

  zod(result: { success: true } | { success: false; error: z.ZodError }, prefix: KeyPath): void {
    if (result.success) return;
    for (const issue of result.error.issues) this.issue(issue, prefix);
  }

  /**
   * Issues of the merged settings. Each part was checked alone, so an issue at a value the VM
   * does not set comes from defaults and was reported there already; what is left is the
   * combination (a network mapped to both a network and a bridge), shown at the VM's own key.
   */
  zodMerged(result: { success: false; error: z.ZodError }, vmAt: KeyPath, overrides: PlainMap): number {
    let added = 0;
    for (const issue of result.error.issues) {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const own = valueAt(overrides, path);
      if (own === undefined) continue;
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.filter((k) => isPlainMap(own) && own[k] !== undefined);
        if (keys.length === 0) continue;
        this.issue({ ...issue, keys }, vmAt);
      } else {
        this.issue({ ...issue, message: `${issue.message} once merged with the defaults` }, vmAt);
      }
      added++;
    }
    return added;
  }

  private issue(issue: z.core.$ZodIssue, prefix: KeyPath): void {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const { message, hint } = unknownKey(key, path);
        this.addKey('error', 'PLAN_UNKNOWN_KEY', message, path, key, hint);
      }
      return;
    }
    const value = valueAt(this.doc.value, path);
    this.add('error', 'PLAN_INVALID_VALUE', describeIssue(issue, path, value), path, hintFor(issue, path));
  }
}

function unknownKey(key: string, path: KeyPath): { message: string; hint: string } {
  const where = formatPath(path) || 'the plan';
  if (key === 'password') return { message: `${where}: passwords never go in a plan.`, hint: 'Use passwordFile (a file that holds it, readable by you only) or passwordEnv (the name of an environment variable).' };
  const last = path.at(-1);
  if (last === 'hooks') return { message: `${where}: "${key}" is not a hook point.`, hint: `Hook points: ${HOOK_POINTS.join(', ')}.` };
  return { message: `${where}: unknown key "${key}".`, hint: 'Check the spelling; the README lists every key of a plan.' };
}

function describeIssue(issue: z.core.$ZodIssue, path: KeyPath, value: unknown): string {
  const name = formatPath(path) || 'the plan';
  const shown = value === undefined ? 'nothing' : JSON.stringify(value);
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? `${name} is missing (${issue.expected} expected).` : `${name} must be ${article(issue.expected)}, not ${shown}.`;
    case 'invalid_value':
      return `${name} must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, not ${shown}.`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string' ? `${name} must not be empty.` : `${name} must be at least ${String(issue.minimum)}, not ${shown}.`;
    case 'too_big':
      return `${name} must be at most ${String(issue.maximum)}, not ${shown}.`;
    case 'invalid_format':
      return `${name}: ${shown} is not ${issue.message.replace(/^Invalid string: /, '')}.`;
    case 'invalid_union':
      return `${name}: ${shown} is not one of the accepted forms.`;
    default:
      return `${name}: ${issue.message}.`;
  }
}

function hintFor(issue: z.core.$ZodIssue, path: KeyPath): string {
  const key = path.filter((p) => typeof p === 'string').at(-1);
  switch (key) {
    case 'repair':
      return 'repair is true, false, or a map with only, skip, network (pin-name or rewrite-configs) and serialConsole.';
    case 'define':
      return 'define is true, false, or a map with connection, onCollision, placement and options.';
    case 'verifyBoot':
      return 'verifyBoot is true, false, or a map with timeoutSeconds.';
    case 'concurrency':
      return 'concurrency is a number, or a map with total, perHost and perDatastore.';
    case 'command':
      return 'A hook command is an argument list, e.g. ["/usr/local/bin/notify", "converted"].';
    default:
      return issue.code === 'invalid_type' && issue.input === undefined ? 'Add it.' : 'Fix the value at this place.';
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let node = root;
  for (const step of path) {
    if (Array.isArray(node) && typeof step === 'number') node = node[step];
    else if (isPlainMap(node)) node = node[String(step)];
    else return undefined;
  }
  return node;
}

/** vms[1].hooks.after-convert[0].timeout; keys that are not plain words are quoted. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(step)) out += out ? `.${step}` : step;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}
