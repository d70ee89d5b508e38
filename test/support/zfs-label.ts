import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * A minimal ZFS vdev label set, written into a partition of a raw disk, for tests of what the
 * inspection reads from a ZFS member without importing the pool (the appliance has no zfs module).
 *
 * What is written is the on-disk layout OpenZFS documents (vdev_impl.h, uberblock_impl.h,
 * nvpair.c's XDR encoding) as far as libblkid reads it (util-linux libblkid/src/superblocks/zfs.c,
 * 2.38): four 256 KiB labels, two at the start of the vdev and two at its end, each with
 *  - at 16 KiB, vdev_phys: an XDR-encoded nvlist with the pairs `zdb -l` shows on a one-disk pool
 *    (version, name, state, txg, pool_guid, ..., guid, vdev_tree), blkid taking LABEL from
 *    "name", UUID from "pool_guid" and UUID_SUB from "guid" (decimal);
 *  - at 128 KiB, the uberblock ring: 128 slots of 1 KiB (ashift 9), one uberblock per synced txg
 *    in slot txg % 128, magic 0x00bab10c in host (little-endian) order. blkid wants at least four
 *    uberblocks before it says zfs_member, and VERSION is the uberblock's SPA version.
 * Not written: the embedded SHA-256 checksums of vdev_phys and of each uberblock (blkid does not
 * check them; zdb and the zfs module would refuse this label), the MOS and any dataset. So this is
 * a member blkid recognises, not a pool that can be imported, which is what the appliance meets.
 */

export interface ZfsLabelSpec {
  pool: string;
  /** Decimal strings: guids are 64-bit. */
  poolGuid: string;
  vdevGuid: string;
  /** The last synced txg; uberblocks are written for txg 1..txg (at least 4). */
  txg?: number;
  hostname?: string;
  /** SPA version: 5000 for pools with feature flags (every OpenZFS pool since 0.6). */
  version?: number;
}

const LABEL_SIZE = 256 * 1024;
const PHYS_OFFSET = 16 * 1024;
const PHYS_SIZE = 112 * 1024;
const RING_OFFSET = 128 * 1024;
const UBERBLOCK_SLOT = 1024;
const UBERBLOCK_MAGIC = 0x00bab10cn;

// nvpair data types (sys/nvpair.h).
const DATA_TYPE_UINT64 = 8;
const DATA_TYPE_STRING = 9;
const DATA_TYPE_NVLIST = 19;

type NvValue = { kind: 'u64'; value: bigint } | { kind: 'str'; value: string } | { kind: 'nvlist'; value: NvPair[] };
type NvPair = [string, NvValue];

const u64 = (value: bigint | number): NvValue => ({ kind: 'u64', value: BigInt(value) });
const str = (value: string): NvValue => ({ kind: 'str', value });
const nvlist = (value: NvPair[]): NvValue => ({ kind: 'nvlist', value });

const pad4 = (n: number): number => (n + 3) & ~3;
const align8 = (n: number): number => (n + 7) & ~7;

function xdrInt(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function xdrString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([xdrInt(bytes.length), bytes, Buffer.alloc(pad4(bytes.length) - bytes.length)]);
}

/** The pair's size in memory (NVP_SIZE_CALC: a 16-byte nvpair_t, name with its NUL, value, 8-aligned), which XDR carries as the "decoded size". */
function nativeSize(name: string, v: NvValue): number {
  const valueSize = v.kind === 'u64' ? 8 : v.kind === 'str' ? Buffer.byteLength(v.value) + 1 : 24;
  return align8(16 + Buffer.byteLength(name) + 1) + align8(valueSize);
}

/** The pairs of one nvlist, then the two zero words that end it (nvs_xdr_nvl_fini). */
function xdrPairs(pairs: NvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, v] of pairs) {
    const type = v.kind === 'u64' ? DATA_TYPE_UINT64 : v.kind === 'str' ? DATA_TYPE_STRING : DATA_TYPE_NVLIST;
    let value: Buffer;
    if (v.kind === 'u64') {
      value = Buffer.alloc(8);
      value.writeBigUInt64BE(v.value);
    } else if (v.kind === 'str') value = xdrString(v.value);
    else value = Buffer.concat([xdrInt(0), xdrInt(1), xdrPairs(v.value)]); // embedded: version, NV_UNIQUE_NAME, pairs
    const body = Buffer.concat([xdrString(name), xdrInt(type), xdrInt(1), value]);
    parts.push(xdrInt(8 + body.length), xdrInt(nativeSize(name, v)), body);
  }
  parts.push(xdrInt(0), xdrInt(0));
  return Buffer.concat(parts);
}

/** nvlist_pack(NV_ENCODE_XDR): the 4-byte header (XDR, little-endian host), version 0, NV_UNIQUE_NAME, pairs. */
export function packNvlistXdr(pairs: NvPair[]): Buffer {
  return Buffer.concat([Buffer.from([1, 1, 0, 0]), xdrInt(0), xdrInt(1), xdrPairs(pairs)]);
}

/** One 256 KiB label for a single-disk pool on a vdev of `vdevSize` bytes. */
export function zfsLabel(spec: ZfsLabelSpec, vdevSize: number): Buffer {
  const txg = spec.txg ?? 8;
  if (txg < 4) throw new Error('blkid needs at least four uberblocks: txg >= 4');
  const version = spec.version ?? 5000;
  const poolGuid = BigInt(spec.poolGuid);
  const vdevGuid = BigInt(spec.vdevGuid);
  const label = Buffer.alloc(LABEL_SIZE);
  const phys = packNvlistXdr([
    ['version', u64(version)],
    ['name', str(spec.pool)],
    ['state', u64(0)], // POOL_STATE_ACTIVE: exported pools say 1
    ['txg', u64(txg)],
    ['pool_guid', u64(poolGuid)],
    ['errata', u64(0)],
    ['hostname', str(spec.hostname ?? 'zfs-host')],
    ['top_guid', u64(vdevGuid)],
    ['guid', u64(vdevGuid)],
    ['vdev_children', u64(1)],
    [
      'vdev_tree',
      nvlist([
        ['type', str('disk')],
        ['id', u64(0)],
        ['guid', u64(vdevGuid)],
        ['path', str('/dev/vdb1')],
        ['whole_disk', u64(0)],
        ['metaslab_array', u64(64)],
        ['metaslab_shift', u64(24)],
        ['ashift', u64(9)],
        ['asize', u64(BigInt(vdevSize - 4 * LABEL_SIZE - 3.5 * 1024 * 1024))],
        ['is_log', u64(0)],
        ['create_txg', u64(4)],
      ]),
    ],
    ['features_for_read', nvlist([])],
  ]);
  if (phys.length > PHYS_SIZE - 40) throw new Error('nvlist larger than vdev_phys');
  phys.copy(label, PHYS_OFFSET);
  const guidSum = (poolGuid + vdevGuid) & 0xffffffffffffffffn; // root vdev (the pool guid) + the disk
  const timestamp = 1_780_000_000n;
  for (let t = 1; t <= txg; t++) {
    const at = RING_OFFSET + (t % 128) * UBERBLOCK_SLOT;
    label.writeBigUInt64LE(UBERBLOCK_MAGIC, at);
    label.writeBigUInt64LE(BigInt(version), at + 8);
    label.writeBigUInt64LE(BigInt(t), at + 16);
    label.writeBigUInt64LE(guidSum, at + 24);
    label.writeBigUInt64LE(timestamp + BigInt(t * 5), at + 32);
  }
  return label;
}

/**
 * Write the four labels into `file` for a vdev starting at byte `offset` of `size` bytes (a
 * multiple of 256 KiB: ZFS rounds the vdev down to it, and blkid looks for L2 and L3 there).
 */
export function writeZfsLabels(file: string, offset: number, size: number, spec: ZfsLabelSpec): void {
  if (size % LABEL_SIZE !== 0) throw new Error('the vdev size must be a multiple of 256 KiB');
  const label = zfsLabel(spec, size);
  const fd = openSync(file, 'r+');
  try {
    for (const at of [0, LABEL_SIZE, size - 2 * LABEL_SIZE, size - LABEL_SIZE]) writeSync(fd, label, 0, label.length, offset + at);
  } finally {
    closeSync(fd);
  }
}
