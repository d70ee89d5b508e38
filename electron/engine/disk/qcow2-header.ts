import { open } from 'node:fs/promises';

/**
 * The virtual size a qcow2 image declares, read from its header: bytes 0..3 are the magic
 * "QFI\xfb", bytes 24..31 the size in bytes, big-endian (the same field `qemu-img info` reports
 * as virtual-size; docs/interop/qcow2.txt in QEMU's sources). Null when the bytes are not a
 * qcow2 header.
 *
 * Why not `qemu-img info`: after a conversion the check stage only needs this one number, and a
 * process per output (started from a Node process whose fork copies a large address space) cost
 * more than the read, in every VM of a batch (bench:batch).
 */
export function qcow2VirtualSize(head: Buffer): number | null {
  if (head.length < 32 || head.readUInt32BE(0) !== 0x514649fb) return null;
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3) return null;
  const size = head.readBigUInt64BE(24);
  return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : null;
}

/** Reads the first 32 bytes of a file and gives qcow2VirtualSize of them. */
export async function readQcow2VirtualSize(path: string): Promise<number | null> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(32);
    const { bytesRead } = await handle.read(head, 0, 32, 0);
    return qcow2VirtualSize(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
