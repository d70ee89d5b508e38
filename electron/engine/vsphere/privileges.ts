import { toEngineError } from '../core/errors';
import type { VsphereSession } from './session';
import { booleanOf, child, children, el, moRefElement, moRefOf, textOf } from './xml';
import type { MoRef, XmlNode } from './xml';

/**
 * What the logged-in account may do, asked before anything moves: users hate permission errors
 * that surface as cryptic failures in the middle of a migration. One call
 * (AuthorizationManager.HasPrivilegeOnEntities, vSphere 6.5 and later) answers for every entity
 * and privilege at once, for this session's user, with the roles and propagation vCenter applies.
 */

/** Reading the files of a datastore over /folder (the datastore browser's "low level file operations"). */
export const DOWNLOAD_PRIVILEGES = ['Datastore.Browse', 'Datastore.FileManagement'] as const;
/** PowerOffVM_Task and ShutdownGuest, which the pre-flight offers for a running VM. */
export const POWER_OFF_PRIVILEGE = 'VirtualMachine.Interact.PowerOff';

export interface EntityPrivileges {
  entity: MoRef;
  /** privilege id → granted */
  granted: Map<string, boolean>;
}

/** The answer of HasPrivilegeOnEntities. Pure. */
export function parsePrivilegeAvailability(response: XmlNode): EntityPrivileges[] {
  return children(response, 'returnval').flatMap((item) => {
    const entity = moRefOf(child(item, 'entity'));
    if (!entity) return [];
    const granted = new Map<string, boolean>();
    for (const availability of children(item, 'privAvailability')) {
      const id = textOf(availability, 'privId')?.trim();
      if (id) granted.set(id, booleanOf(availability, 'isGranted') === true);
    }
    return [{ entity, granted }];
  });
}

export type PrivilegeCheck = { checked: true; entities: EntityPrivileges[] } | { checked: false; reason: string };

/**
 * Asks which of `privileges` this session holds on each entity. Never throws: a server that
 * cannot answer (ESXi without vCenter before 6.5, an account that may not even ask) gives the
 * reason instead, and the caller says the check was not made.
 */
export async function checkPrivileges(session: VsphereSession, entities: readonly MoRef[], privileges: readonly string[], signal?: AbortSignal): Promise<PrivilegeCheck> {
  const manager = session.serviceContent.authorizationManager;
  if (!manager) return { checked: false, reason: 'the server has no authorization manager' };
  if (entities.length === 0 || privileges.length === 0) return { checked: true, entities: [] };
  try {
    const response = await session.withRelogin(
      (raw) => {
        const key = session.sessionKey;
        if (key === undefined) throw new Error('the session has no key');
        return raw('HasPrivilegeOnEntities', manager, [...entities.map((e) => moRefElement('entity', e)), el('sessionId', key), ...privileges.map((p) => el('privId', p))], signal);
      },
      signal,
    );
    return { checked: true, entities: parsePrivilegeAvailability(response) };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { checked: false, reason: toEngineError(error).message };
  }
}
