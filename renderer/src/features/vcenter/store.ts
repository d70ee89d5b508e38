import { create } from 'zustand';
import type { ConnectionInfo, PreflightAction, TrustChoice, VcenterInventory, VmDetailsResult } from '../../../../shared/contract/api/vcenter';
import type { EngineError } from '../../../../shared/contract/errors';
import { engine, onceConnected, useAppStore } from '../../app/app-store';
import { Superseding, SupersedingByKey } from '../../app/cancellation';
import { toErrorValue } from '../../app/errors';
import { isCancelled } from '../../../../shared/rpc/client';
import { wizardJobFollower } from '../../app/job-follower';
import { showRepairWhenAsked } from '../repair';
import { buildIndex, NO_FILTER, withPowerState } from './inventory-model';
import type { InventoryFilter, InventoryIndex, SortBy } from './inventory-model';
import { EMPTY_DRAFT, loginCredentials, loginProblems, promptFromError, promptFromProbe } from './login';
import type { CertificatePrompt, LoginDraft, SavedLogins } from './login';
import { initialMigrateDraft, sameRequest, toMigrateOptions, toPreflightRequest } from './migrate-options';
import type { MigrateDraft, PreflightState } from './migrate-options';
import { migrationRun } from './migrate-run';
import type { MigrateRunView } from './migrate-run';
import { forEachBounded, PREFLIGHT_CONCURRENCY } from './preflight-model';
import { reachableSteps } from './steps';
import type { StepId, VcenterFacts } from './steps';

export type LoginPhase =
  | { status: 'idle' }
  | { status: 'probing' }
  | { status: 'prompt'; prompt: CertificatePrompt }
  | { status: 'logging-in' }
  | { status: 'error'; error: EngineError };

export type InventoryState =
  | { status: 'idle' }
  | { status: 'loading'; startedAt: number }
  | {
      status: 'ready';
      inventory: Omit<VcenterInventory, 'vms'>;
      index: InventoryIndex;
      /** From the call to its answer (engine, transport, validation). */
      elapsedMs: number;
      /** Preparing the answer for search and filters in the page. */
      indexMs: number;
    }
  | { status: 'error'; error: EngineError };

export type DetailsState =
  | { status: 'idle' }
  | { status: 'loading'; vmId: string }
  | { status: 'ready'; vmId: string; result: VmDetailsResult }
  | { status: 'error'; vmId: string; error: EngineError };

/** What the VM step is about: one VM (details, pre-flight, migration) or several (pre-flight). */
export type Focus = { kind: 'vm'; vmId: string } | { kind: 'selection'; vmIds: string[] } | null;

export interface PendingAction {
  vmId: string;
  vmName: string;
  action: PreflightAction;
  call: NonNullable<PreflightAction['call']>;
  question: string;
  busy: boolean;
  error: EngineError | null;
}

export interface VcenterState {
  step: StepId;
  draft: LoginDraft;
  saved: SavedLogins | null;
  login: LoginPhase;
  connection: ConnectionInfo | null;
  inventory: InventoryState;
  filter: InventoryFilter;
  sort: SortBy;
  /** VMs ticked in the table, for a pre-flight of several. */
  selected: ReadonlySet<string>;
  focus: Focus;
  details: DetailsState;
  migrateDraft: MigrateDraft | null;
  preflights: ReadonlyMap<string, PreflightState>;
  action: PendingAction | null;
  starting: boolean;
  startError: EngineError | null;
  run: MigrateRunView | null;
  cancelling: boolean;
  cancelError: EngineError | null;
  syncError: EngineError | null;
  discard: { status: 'idle' } | { status: 'busy' } | { status: 'done'; bytes: number } | { status: 'error'; error: EngineError };
}

const initialState: VcenterState = {
  step: 'connect',
  draft: EMPTY_DRAFT,
  saved: null,
  login: { status: 'idle' },
  connection: null,
  inventory: { status: 'idle' },
  filter: NO_FILTER,
  sort: { key: 'name', direction: 'asc' },
  selected: new Set(),
  focus: null,
  details: { status: 'idle' },
  migrateDraft: null,
  preflights: new Map(),
  action: null,
  starting: false,
  startError: null,
  run: null,
  cancelling: false,
  cancelError: null,
  syncError: null,
  discard: { status: 'idle' },
};

export const useVcenterStore = create<VcenterState>()(() => ({ ...initialState }));

const get = useVcenterStore.getState;
const set = useVcenterStore.setState;

let preflightTimer: ReturnType<typeof setTimeout> | null = null;
// The slow reads this page asks for, each cancelled by a newer one of its kind (a refresh, the
// next VM, changed options) and all of them when the page goes away (`leaveVcenterPage`): the
// engine then stops listing thousands of VMs or checking a VM nobody looks at any more.
const inventoryCalls = new Superseding();
const detailsCalls = new Superseding();
const preflightCalls = new SupersedingByKey<string>();
/** The destination survives moving from one VM to the next: people migrate many to one place. */
let rememberedOutDir = '';

export function vcenterFacts(state: VcenterState): VcenterFacts {
  return {
    connected: state.connection !== null,
    hasVm: state.focus !== null,
    running: state.starting || (state.run !== null && state.run.outcome === null),
    hasJob: state.run !== null,
    succeeded: state.run?.outcome?.type === 'done',
    hasRepairPlan: state.run?.repairPlan != null,
  };
}

export function goTo(step: StepId): void {
  if (reachableSteps(vcenterFacts(get())).has(step)) set({ step });
}

// ---- Connect ----------------------------------------------------------------------------------

export function updateLoginDraft(patch: Partial<LoginDraft>): void {
  const { login } = get();
  // Editing the form after a failure or a prompt starts over: the prompt was for the old server.
  set({ draft: { ...get().draft, ...patch }, ...(login.status === 'error' || login.status === 'prompt' ? { login: { status: 'idle' } as const } : {}) });
}

export async function loadSavedLogins(): Promise<void> {
  try {
    set({ saved: await engine().call('vcenter.savedLogins', {}) });
  } catch {
    set({ saved: { available: false, logins: [] } });
  }
}

/** First the certificate: a trusted one logs in straight away, anything else asks the user. */
export async function startLogin(): Promise<void> {
  const { draft, saved, login } = get();
  if (login.status === 'probing' || login.status === 'logging-in' || loginProblems(draft, saved).length > 0) return;
  set({ login: { status: 'probing' } });
  try {
    const probe = await engine().call('vcenter.probeCertificate', { server: draft.server.trim() });
    const prompt = promptFromProbe(probe, Date.now());
    if (prompt) {
      set({ login: { status: 'prompt', prompt } });
      return;
    }
    await logIn({ kind: 'store' });
  } catch (error) {
    set({ login: { status: 'error', error: toErrorValue(error) } });
  }
}

/** The user confirmed the fingerprint on screen: the engine checks it again against the server. */
export function trustAndLogIn(sha256: string): Promise<void> {
  return logIn({ kind: 'fingerprint', sha256 });
}

export function logInWithCaFile(caFile: string): Promise<void> {
  return logIn({ kind: 'ca', caFile: caFile.trim() });
}

export function dismissPrompt(): void {
  set({ login: { status: 'idle' } });
}

async function logIn(trust: TrustChoice): Promise<void> {
  const { draft, saved } = get();
  set({ login: { status: 'logging-in' } });
  try {
    const info = await engine().call('vcenter.login', { ...loginCredentials(draft, saved), trust });
    // The password has done its job: it does not stay in the page.
    set({ connection: info, login: { status: 'idle' }, draft: { ...get().draft, password: '' }, step: 'inventory' });
    if (info.passwordRemembered) void loadSavedLogins();
    await loadInventory();
  } catch (error) {
    const value = toErrorValue(error);
    const prompt = promptFromError(value, Date.now());
    set({ login: prompt && trust.kind !== 'ca' ? { status: 'prompt', prompt } : { status: 'error', error: value } });
  }
}

export async function logOut(): Promise<void> {
  cancelReads();
  const connection = get().connection;
  if (connection) await engine().call('vcenter.logout', { connectionId: connection.connectionId }).catch(() => undefined);
  set({ connection: null, inventory: { status: 'idle' }, focus: null, details: { status: 'idle' }, preflights: new Map(), selected: new Set(), filter: NO_FILTER, step: 'connect', login: { status: 'idle' } });
}

export async function forgetPassword(server: string, user: string): Promise<void> {
  await engine().call('vcenter.forgetPassword', { server, user }).catch(() => undefined);
  await loadSavedLogins();
}

/**
 * The engine no longer knows the connection (the app or the bridge restarted, or the session was
 * closed elsewhere): back to Connect with the form filled, saying why.
 */
function connectionLost(error: EngineError): boolean {
  if (error.code !== 'VCENTER_NOT_CONNECTED') return false;
  set({ connection: null, inventory: { status: 'idle' }, focus: null, details: { status: 'idle' }, step: 'connect', login: { status: 'error', error } });
  return true;
}

/** Cancels every read this page has in flight (inventory, details, pre-flights). */
function cancelReads(): void {
  if (preflightTimer) clearTimeout(preflightTimer);
  preflightTimer = null;
  inventoryCalls.cancel();
  detailsCalls.cancel();
  preflightCalls.cancelAll();
}

/**
 * The vCenter page was left (another page opened, the window closing): its reads are cancelled
 * in the engine, and what was still loading is forgotten, so that coming back asks again
 * (`enterVcenterPage`) instead of showing a spinner for a call that no longer runs.
 */
export function leaveVcenterPage(): void {
  cancelReads();
  const { inventory, details, preflights } = get();
  set({
    ...(inventory.status === 'loading' ? { inventory: { status: 'idle' } as const } : {}),
    ...(details.status === 'loading' ? { details: { status: 'idle' } as const } : {}),
    preflights: new Map([...preflights].filter(([, state]) => state.status !== 'loading')),
  });
}

/** Back on the page: what `leaveVcenterPage` cut short is asked for again. */
export function enterVcenterPage(): void {
  const { connection, inventory, focus, details, preflights } = get();
  if (!connection) return;
  if (inventory.status === 'idle') void loadInventory();
  if (focus?.kind === 'vm') {
    if (details.status === 'idle') {
      set({ details: { status: 'loading', vmId: focus.vmId } });
      void loadDetails(focus.vmId);
    }
    if (!preflights.has(focus.vmId)) void refreshPreflight(focus.vmId);
  }
  if (focus?.kind === 'selection') {
    const missing = focus.vmIds.filter((vmId) => !preflights.has(vmId));
    void forEachBounded(missing, PREFLIGHT_CONCURRENCY, (vmId) => refreshPreflight(vmId));
  }
}

// ---- Inventory --------------------------------------------------------------------------------

export async function loadInventory(): Promise<void> {
  const connection = get().connection;
  if (!connection) return;
  const startedAt = performance.now();
  set({ inventory: { status: 'loading', startedAt } });
  try {
    const { vms, ...rest } = await engine().call('vcenter.inventory', { connectionId: connection.connectionId }, { signal: inventoryCalls.next() });
    if (get().connection?.connectionId !== connection.connectionId) return;
    const received = performance.now();
    const index = buildIndex(vms, rest.tree);
    set({ inventory: { status: 'ready', inventory: rest, index, elapsedMs: received - startedAt, indexMs: performance.now() - received } });
  } catch (error) {
    if (isCancelled(error)) return; // a newer listing, or the page went away: not a failure to show
    const value = toErrorValue(error);
    if (!connectionLost(value)) set({ inventory: { status: 'error', error: value } });
  }
}

export function updateFilter(patch: Partial<InventoryFilter>): void {
  set({ filter: { ...get().filter, ...patch } });
}

export function clearFilter(): void {
  set({ filter: NO_FILTER });
}

export function sortBy(sort: SortBy): void {
  set({ sort });
}

export function toggleSelected(vmId: string, on: boolean): void {
  const selected = new Set(get().selected);
  if (on) selected.add(vmId);
  else selected.delete(vmId);
  set({ selected });
}

export function setSelection(vmIds: Iterable<string>): void {
  set({ selected: new Set(vmIds) });
}

// ---- One VM: details, pre-flight, migration options ---------------------------------------------

function defaultOutDir(): string {
  return rememberedOutDir || useAppStore.getState().info?.defaultOutDir || '';
}

function vmNameOf(vmId: string): string {
  const inventory = get().inventory;
  if (inventory.status === 'ready') {
    const i = inventory.index.byId.get(vmId);
    if (i !== undefined) return inventory.index.rows[i]!.vm.name;
  }
  return vmId;
}

export async function openVm(vmId: string): Promise<void> {
  const connection = get().connection;
  if (!connection) return;
  const keep = get().migrateDraft;
  if (keep) rememberedOutDir = keep.outDir;
  set({
    focus: { kind: 'vm', vmId },
    step: 'vm',
    details: { status: 'loading', vmId },
    migrateDraft: initialMigrateDraft(vmNameOf(vmId), defaultOutDir()),
    startError: null,
  });
  void refreshPreflight(vmId);
  await loadDetails(vmId);
}

async function loadDetails(vmId: string): Promise<void> {
  const connection = get().connection;
  if (!connection) return;
  try {
    const result = await engine().call('vcenter.vm', { connectionId: connection.connectionId, vmId }, { signal: detailsCalls.next() });
    if (!isOpen(vmId)) return;
    set({ details: { status: 'ready', vmId, result } });
    noteDetailsPowerState(vmId, result.vm.powerState);
  } catch (error) {
    if (isCancelled(error)) return;
    const value = toErrorValue(error);
    if (isOpen(vmId) && !connectionLost(value)) set({ details: { status: 'error', vmId, error: value } });
  }
}

function isOpen(vmId: string): boolean {
  const focus = get().focus;
  return focus?.kind === 'vm' && focus.vmId === vmId;
}

function noteDetailsPowerState(vmId: string, powerState: VmDetailsResult['vm']['powerState']): void {
  const inventory = get().inventory;
  if (inventory.status !== 'ready') return;
  const index = withPowerState(inventory.index, vmId, powerState);
  if (index !== inventory.index) set({ inventory: { ...inventory, index } });
}

export function updateMigrateDraft(patch: Partial<MigrateDraft>): void {
  const draft = get().migrateDraft;
  if (!draft) return;
  set({ migrateDraft: { ...draft, ...patch } });
  schedulePreflight();
}

/** Pre-flight follows the options with a short delay; an answer to an older request is dropped. */
export function schedulePreflight(delayMs = 400): void {
  const focus = get().focus;
  if (focus?.kind !== 'vm') return;
  if (preflightTimer) clearTimeout(preflightTimer);
  preflightTimer = setTimeout(() => {
    preflightTimer = null;
    void refreshPreflight(focus.vmId);
  }, delayMs);
}

function setPreflight(vmId: string, state: PreflightState): void {
  const preflights = new Map(get().preflights);
  preflights.set(vmId, state);
  set({ preflights });
}

export async function refreshPreflight(vmId: string): Promise<void> {
  const connection = get().connection;
  if (!connection) return;
  // The open VM is checked with its migration options; a VM of a selection with the defaults.
  const request = toPreflightRequest(connection.connectionId, vmId, isOpen(vmId) ? get().migrateDraft : null);
  setPreflight(vmId, { status: 'loading', request });
  try {
    const report = await engine().call('vcenter.preflight', request, { signal: preflightCalls.next(vmId) });
    const now = get().preflights.get(vmId);
    if (now?.status !== 'loading' || !sameRequest(now.request, request)) return;
    setPreflight(vmId, { status: 'ready', request, report });
    noteDetailsPowerState(vmId, report.vm.powerState);
  } catch (error) {
    if (isCancelled(error)) return;
    const now = get().preflights.get(vmId);
    if (now?.status !== 'loading' || !sameRequest(now.request, request)) return;
    const value = toErrorValue(error);
    if (!connectionLost(value)) setPreflight(vmId, { status: 'error', request, error: value });
  }
}

/** Several ticked VMs: each one's pre-flight (with the default destination), a few at a time. */
export async function checkSelection(): Promise<void> {
  const vmIds = [...get().selected];
  if (vmIds.length === 0) return;
  if (vmIds.length === 1) return openVm(vmIds[0]!);
  set({ focus: { kind: 'selection', vmIds }, step: 'vm' });
  await forEachBounded(vmIds, PREFLIGHT_CONCURRENCY, (vmId) => refreshPreflight(vmId));
}

export function askAction(vmId: string, action: PreflightAction, question: string): void {
  if (!action.call) return;
  set({ action: { vmId, vmName: vmNameOf(vmId), action, call: action.call, question, busy: false, error: null } });
}

export function dismissAction(): void {
  if (!get().action?.busy) set({ action: null });
}

/** Runs a confirmed power action, then checks the VM again (its power state changed). */
export async function confirmAction(): Promise<void> {
  const pendingAction = get().action;
  const connection = get().connection;
  if (!pendingAction || pendingAction.busy || !connection) return;
  set({ action: { ...pendingAction, busy: true, error: null } });
  try {
    const input = { connectionId: connection.connectionId, vmId: pendingAction.vmId, confirmed: true as const };
    const { powerState } = pendingAction.call === 'vcenter.powerOff' ? await engine().call('vcenter.powerOff', input) : await engine().call('vcenter.shutdownGuest', input);
    noteDetailsPowerState(pendingAction.vmId, powerState);
    set({ action: null });
    await Promise.all([refreshPreflight(pendingAction.vmId), isOpen(pendingAction.vmId) ? loadDetails(pendingAction.vmId) : Promise.resolve()]);
  } catch (error) {
    set({ action: { ...pendingAction, busy: false, error: toErrorValue(error) } });
  }
}

// ---- Run ----------------------------------------------------------------------------------------

const migrationJob = wizardJobFollower<MigrateRunView>({
  link: engine,
  store: useVcenterStore,
  reducer: migrationRun,
  maxBuffered: 5000,
});

export async function startMigration(): Promise<void> {
  const { focus, connection, migrateDraft, starting } = get();
  if (focus?.kind !== 'vm' || !connection || !migrateDraft || starting) return;
  const options = toMigrateOptions(migrateDraft);
  if (!options) return;
  rememberedOutDir = migrateDraft.outDir;
  set({ startError: null, cancelError: null, discard: { status: 'idle' }, step: 'run' });
  try {
    await migrationJob.start(() => engine().call('migrate.start', { connectionId: connection.connectionId, vmId: focus.vmId, options }));
  } catch (error) {
    const value = toErrorValue(error);
    set({ startError: value, step: 'vm' });
    connectionLost(value);
  }
}

export function cancelMigration(): Promise<void> {
  set({ cancelError: null });
  return migrationJob.cancel().catch((error: unknown) => set({ cancelError: toErrorValue(error) }));
}

export async function discardDownloads(stagingDir: string): Promise<void> {
  set({ discard: { status: 'busy' } });
  try {
    const { bytes } = await engine().call('migrate.discardDownloads', { stagingDir });
    set({ discard: { status: 'done', bytes } });
  } catch (error) {
    set({ discard: { status: 'error', error: toErrorValue(error) } });
  }
}

/** "Migrate another": back to the inventory, filters and destination kept. */
export function migrateAnother(): void {
  set({ run: null, step: get().connection ? 'inventory' : 'connect', focus: null, details: { status: 'idle' }, startError: null, discard: { status: 'idle' } });
}

/**
 * A reloaded page picks up where it was: the open connection, then a migration still running
 * (in that order, so that the running migration's page is the one shown).
 */
async function resume(): Promise<void> {
  try {
    const connections = await engine().call('vcenter.connections', {});
    const connection = connections[connections.length - 1];
    if (connection && !get().connection) {
      set({ connection, step: 'inventory', draft: { ...get().draft, server: connection.server.display, user: connection.user } });
      void loadInventory();
    }
  } catch {
    // Nothing to resume is the usual case; a failure only means we cannot show it.
  }
  await migrationJob.resume('migrate', () => set({ step: 'run' }));
}

let connected = false;

export function connectVcenterFeature(): void {
  if (connected) return;
  connected = true;
  migrationJob.listen();
  showRepairWhenAsked(useVcenterStore);
  onceConnected(() => {
    void loadSavedLogins();
    void resume();
  });
}
