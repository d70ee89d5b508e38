import { accessSync, constants } from 'node:fs';
import { fail } from './errors';

/**
 * Every external tool the engine runs, with the absolute path we trust and the Debian package
 * that provides it. Tools are never looked up through PATH: the privileged helper runs with a
 * wiped environment, and a path fixed here is one less thing an attacker can influence.
 */
export const TOOLS = {
  'qemu-img': { paths: ['/usr/bin/qemu-img'], package: 'qemu-utils' },
  'qemu-io': { paths: ['/usr/bin/qemu-io'], package: 'qemu-utils' },
  'qemu-system-x86_64': { paths: ['/usr/bin/qemu-system-x86_64'], package: 'qemu-system-x86' },
  guestfish: { paths: ['/usr/bin/guestfish'], package: 'libguestfs-tools' },
  'virt-inspector': { paths: ['/usr/bin/virt-inspector'], package: 'libguestfs-tools' },
  hivexregedit: { paths: ['/usr/bin/hivexregedit'], package: 'libhivex-bin' },
  hivexget: { paths: ['/usr/bin/hivexget'], package: 'libhivex-bin' },
  hivexml: { paths: ['/usr/bin/hivexml'], package: 'libhivex-bin' },
  // Reads the virtio-win ISO (Windows drivers) on the host: lists it and extracts what a guest needs.
  xorriso: { paths: ['/usr/bin/xorriso'], package: 'xorriso' },
  virsh: { paths: ['/usr/bin/virsh'], package: 'libvirt-clients' },
  'virt-xml-validate': { paths: ['/usr/bin/virt-xml-validate'], package: 'libxml2-utils' },
  tesseract: { paths: ['/usr/bin/tesseract'], package: 'tesseract-ocr' },
  // Prints the self-contained HTML report to PDF outside the Electron app (CLI, bridge).
  chromium: { paths: ['/usr/bin/chromium'], package: 'chromium' },
  pkexec: { paths: ['/usr/bin/pkexec'], package: 'pkexec' },
  tar: { paths: ['/usr/bin/tar', '/bin/tar'], package: 'tar' },
  // Decompressing a guest's initramfs on the host (inspection lists its contents).
  zstd: { paths: ['/usr/bin/zstd'], package: 'zstd' },
  xz: { paths: ['/usr/bin/xz', '/bin/xz'], package: 'xz-utils' },
  lz4: { paths: ['/usr/bin/lz4'], package: 'lz4' },
  // Reads a guest's persistent journal on the host (inspection copies the journal files out).
  journalctl: { paths: ['/usr/bin/journalctl', '/bin/journalctl'], package: 'systemd' },
  // Disk assembly without loop devices or mounts (test fixtures build guests with these).
  sfdisk: { paths: ['/usr/sbin/sfdisk', '/sbin/sfdisk'], package: 'fdisk' },
  mke2fs: { paths: ['/usr/sbin/mke2fs', '/sbin/mke2fs'], package: 'e2fsprogs' },
  debugfs: { paths: ['/usr/sbin/debugfs', '/sbin/debugfs'], package: 'e2fsprogs' },
  debootstrap: { paths: ['/usr/sbin/debootstrap'], package: 'debootstrap' },
  unshare: { paths: ['/usr/bin/unshare'], package: 'util-linux' },
  // The privileged helper reads sources with the rights of the user who ran pkexec.
  setpriv: { paths: ['/usr/bin/setpriv'], package: 'util-linux' },
  getent: { paths: ['/usr/bin/getent'], package: 'libc-bin' },
  // `hyper2kvm doctor` and `--version`: package versions of tools without a --version flag,
  // whether polkitd answers, and the default browser for `serve --open`.
  'dpkg-query': { paths: ['/usr/bin/dpkg-query'], package: 'dpkg' },
  pkaction: { paths: ['/usr/bin/pkaction'], package: 'polkitd' },
  'xdg-open': { paths: ['/usr/bin/xdg-open'], package: 'xdg-utils' },
} as const satisfies Record<string, { paths: readonly string[]; package: string }>;

export type ToolName = keyof typeof TOOLS;

const resolved = new Map<ToolName, string | null>();

/** The absolute path of a tool, or null when it is not installed. */
export function findTool(name: ToolName): string | null {
  if (resolved.has(name)) return resolved.get(name) ?? null;
  let found: string | null = null;
  for (const candidate of TOOLS[name].paths) {
    try {
      accessSync(candidate, constants.X_OK);
      found = candidate;
      break;
    } catch {
      // try the next candidate
    }
  }
  resolved.set(name, found);
  return found;
}

/** Like findTool, but a missing tool is a clear error naming the package to install. */
export function requireTool(name: ToolName): string {
  const path = findTool(name);
  if (path) return path;
  const pkg = TOOLS[name].package;
  return fail('TOOL_MISSING', `${name} is not installed.`, `Install it: sudo apt-get install ${pkg}`, {
    details: { tool: name, package: pkg, looked: TOOLS[name].paths },
  });
}
