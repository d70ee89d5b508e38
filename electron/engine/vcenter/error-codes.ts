import { registerErrorCodes } from '../../../shared/contract/errors';

/** Error codes of the product-level vCenter feature (the vSphere client has its own, VSPHERE_*). */
export const VCENTER_ERROR_CODES = {
  /** The server address cannot be parsed (or is not https). */
  VCENTER_ADDRESS_INVALID: 'bad-input',
  /** The connection id is unknown: logged out, or the app was restarted. */
  VCENTER_NOT_CONNECTED: 'bad-input',
  /** No password was given and none is remembered for this server and user. */
  VCENTER_PASSWORD_MISSING: 'bad-input',
  /** No VM has that id or name. */
  VCENTER_VM_NOT_FOUND: 'bad-input',
  /** Several VMs have that name; evidence lists their ids and folders. */
  VCENTER_VM_AMBIGUOUS: 'bad-input',
  /** The pre-flight found blockers; evidence lists them. */
  VCENTER_PREFLIGHT_BLOCKED: 'bad-input',
  /** A disk's files cannot be fetched and converted this way (RDM, vSAN, a file outside the datastore...). */
  VCENTER_DISK_UNSUPPORTED: 'bad-input',
  /** A datastore file changed while it was being copied (the VM was running or was modified). */
  VCENTER_SOURCE_CHANGED: 'failure',
  /** A folder given as a staging folder is not one of ours. */
  VCENTER_STAGING_INVALID: 'bad-input',
} as const;

registerErrorCodes(VCENTER_ERROR_CODES);
