import { registerErrorCodes } from '../../../shared/contract/errors';

/**
 * Codes the format parsers add to the shared catalogue. The other codes they use (VMDK_GARBLED,
 * OVF_GARBLED, OVA_UNSAFE_ENTRY...) are already in shared/contract/errors.ts.
 */
export const FORMAT_ERROR_CODES = {
  /** The OVA is gzip/xz/bzip2-compressed: an OVA is a plain tar, so someone compressed it afterwards. */
  OVA_COMPRESSED: 'bad-input',
  /** qemu-img printed something we could not read: a tool problem, not the user's input. */
  QEMU_IMG_OUTPUT_UNEXPECTED: 'failure',
} as const;

registerErrorCodes(FORMAT_ERROR_CODES);

export const OVA_COMPRESSED = 'OVA_COMPRESSED';
export const QEMU_IMG_OUTPUT_UNEXPECTED = 'QEMU_IMG_OUTPUT_UNEXPECTED';
