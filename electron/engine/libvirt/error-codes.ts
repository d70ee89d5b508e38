import { registerErrorCodes } from '../../../shared/contract/errors';

/** Error codes of the libvirt area and of boot verification (stable: scripts key on them). */
export const LIBVIRT_ERROR_CODES = {
  /** The requested domain name is taken on that connection. */
  LIBVIRT_NAME_TAKEN: 'bad-input',
  /** Another domain on the connection already uses this disk. */
  LIBVIRT_DISK_IN_USE: 'bad-input',
  LIBVIRT_DOMAIN_NOT_FOUND: 'bad-input',
  LIBVIRT_DOMAIN_RUNNING: 'bad-input',
  /** libvirtd does not answer on the connection. */
  LIBVIRT_UNREACHABLE: 'failure',
  LIBVIRT_DEFINE_FAILED: 'failure',
  LIBVIRT_XML_INVALID: 'failure',
  /** OVMF (UEFI firmware) is not installed, or not the variant asked for. */
  LIBVIRT_FIRMWARE_MISSING: 'failure',
  /** The connection's qemu (libvirt-qemu in system mode) cannot reach the disk. */
  LIBVIRT_DISK_UNREACHABLE: 'bad-input',
  BOOT_DISK_NOT_FOUND: 'bad-input',
  BOOT_START_FAILED: 'failure',
  BOOT_KVM_UNAVAILABLE: 'bad-input',
} as const;

registerErrorCodes(LIBVIRT_ERROR_CODES);
