import { registerErrorCodes } from '../../../shared/contract/errors';

/**
 * Codes the intake adds to the shared catalogue. A descriptor is a text file anyone can write:
 * every file it names must lie in its own folder (as VMDK extents and OVF hrefs must), or the
 * plan would read whatever the author pointed it at.
 */
export const SOURCE_ERROR_CODES = {
  /** A .vmx names a disk outside its folder (`../`, an absolute path, a symlink leading out). */
  VMX_DISK_OUTSIDE_FOLDER: 'bad-input',
  /** A snapshot's parentFileNameHint leads outside the snapshot's folder. */
  VMDK_PARENT_OUTSIDE_FOLDER: 'bad-input',
} as const;

registerErrorCodes(SOURCE_ERROR_CODES);

export const VMX_DISK_OUTSIDE_FOLDER = 'VMX_DISK_OUTSIDE_FOLDER';
export const VMDK_PARENT_OUTSIDE_FOLDER = 'VMDK_PARENT_OUTSIDE_FOLDER';
