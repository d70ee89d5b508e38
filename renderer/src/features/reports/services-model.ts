import type { UnitFile } from '../../../../shared/contract/models/inspection';

/**
 * The unit table's filters, as pure functions of the report's unit files: a state and a type
 * (the text filter is the table's own search). Kept apart from the page so that tests pin them
 * down, and cheap enough to run on every keystroke with a guest's ~500 unit files.
 */

export const ALL = 'all';

export interface UnitFilter {
  state: string;
  type: string;
}

export interface FilterOption {
  value: string;
  label: string;
  count: number;
}

function options(units: readonly UnitFile[], key: (u: UnitFile) => string, everything: string): FilterOption[] {
  const counts = new Map<string, number>();
  for (const u of units) counts.set(key(u), (counts.get(key(u)) ?? 0) + 1);
  const values = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return [{ value: ALL, label: `${everything} (${units.length})`, count: units.length }, ...values.map(([value, count]) => ({ value, label: `${value} (${count})`, count }))];
}

/** The states present, most frequent first, each with its count, after "every state". */
export function unitStateOptions(units: readonly UnitFile[]): FilterOption[] {
  return options(units, (u) => u.state, 'every state');
}

/** The types present (service, timer, socket...), most frequent first, after "every type". */
export function unitTypeOptions(units: readonly UnitFile[]): FilterOption[] {
  return options(units, (u) => u.type, 'every type');
}

export function filterUnits(units: readonly UnitFile[], filter: UnitFilter): UnitFile[] {
  return units.filter((u) => (filter.state === ALL || u.state === filter.state) && (filter.type === ALL || u.type === filter.type));
}
