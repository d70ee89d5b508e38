import type { SourcePlan } from './contract/models/source';

/** How outputs are named when the user gives no name; the wizard and the engine agree on it. */

export function baseName(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() ?? '';
}

export function stripDiskExtension(name: string): string {
  return name.replace(/\.(vmdk|vmx|ovf|ova|qcow2|raw|img)$/i, '');
}

/** Makes any text a valid output name (see OutputName): safe characters, a safe first one. */
export function sanitizeOutputName(raw: string): string {
  const safe = raw.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 120);
  return safe || 'disk';
}

/** The VM's name if the source has one, else the name of the file the plan was made from. */
export function defaultOutputName(plan: SourcePlan): string {
  return sanitizeOutputName(plan.vm.name ?? stripDiskExtension(baseName(plan.primary)));
}
