import { registerErrorCodes } from '../../../shared/contract/errors';

/** Error codes of guest repair (stable strings: scripts and tests match on them). */
/** The plan has blockers: nothing may be written (encrypted root, unknown boot loader...). */
export const REPAIR_BLOCKED = 'REPAIR_BLOCKED';
/** Applying the plan failed; nothing was kept (the disk is as it was before the repair). */
export const REPAIR_FAILED = 'REPAIR_FAILED';
/** The guest is not one this product repairs (no OS found, or an OS other than Linux and Windows). */
export const REPAIR_UNSUPPORTED_GUEST = 'REPAIR_UNSUPPORTED_GUEST';
/** `repair` was pointed at a disk it must not write (a VMware source, an unknown format). */
export const REPAIR_DISK_REFUSED = 'REPAIR_DISK_REFUSED';
/** repair.decide for a job that is not waiting for a decision. */
export const REPAIR_NOT_WAITING = 'REPAIR_NOT_WAITING';
/** The virtio-win driver set given (--virtio-win) is missing or not an ISO or folder of drivers. */
export const REPAIR_VIRTIO_WIN_UNREADABLE = 'REPAIR_VIRTIO_WIN_UNREADABLE';

/** Plan blockers of a Windows guest (codes of RepairPlan.blockers: nothing is written). */
export const WINDOWS_BLOCKERS = {
  bitlocker: 'REPAIR_WINDOWS_BITLOCKER',
  hibernated: 'REPAIR_WINDOWS_HIBERNATED',
  dirtyHive: 'REPAIR_WINDOWS_HIVE_DIRTY',
  noHive: 'REPAIR_WINDOWS_NO_HIVE',
} as const;
/** Plan warnings of a Windows guest (RepairPlan.warnings: the repair goes on). */
export const WINDOWS_WARNINGS = {
  dynamicDisk: 'REPAIR_WINDOWS_DYNAMIC_DISK',
  pendingReboot: 'REPAIR_WINDOWS_PENDING_REBOOT',
  otherEncrypted: 'REPAIR_WINDOWS_ENCRYPTED_DATA_VOLUME',
  noVirtioWin: 'REPAIR_WINDOWS_NO_VIRTIO_DRIVERS',
} as const;

registerErrorCodes({
  [REPAIR_BLOCKED]: 'failure',
  [REPAIR_FAILED]: 'failure',
  [REPAIR_UNSUPPORTED_GUEST]: 'bad-input',
  [REPAIR_DISK_REFUSED]: 'bad-input',
  [REPAIR_NOT_WAITING]: 'bad-input',
  [REPAIR_VIRTIO_WIN_UNREADABLE]: 'bad-input',
});
