import { findTool, TOOLS } from '../core/tools';
import type { ToolName } from '../core/tools';
import type { ToolRunner } from '../core/tool-runner';

/**
 * The external tools this host offers, with their versions: what `hyper2kvm --version` lists
 * and what `hyper2kvm doctor` checks. Each tool is asked for its own version; hivex's tools have
 * no version flag, so for them the Debian package's version is read instead (and said so).
 */

export interface ToolComponent {
  /** What people call it: "libguestfs", not "guestfish". */
  name: string;
  tool: ToolName;
  /** What the app does with it, for doctor's messages. */
  usedFor: string;
  /** Arguments that print the version, or null to ask dpkg for the package's version. */
  versionArgs: readonly string[] | null;
  /** Without it nothing works (doctor reports a problem, not a warning). */
  required: boolean;
}

export const TOOL_COMPONENTS: readonly ToolComponent[] = [
  { name: 'qemu-img', tool: 'qemu-img', usedFor: 'converting disks', versionArgs: ['--version'], required: true },
  { name: 'qemu', tool: 'qemu-system-x86_64', usedFor: 'boot verification and the KVM probe', versionArgs: ['--version'], required: false },
  { name: 'libguestfs', tool: 'guestfish', usedFor: 'guest inspection', versionArgs: ['--version'], required: false },
  { name: 'hivex', tool: 'hivexregedit', usedFor: "reading Windows guests' registry", versionArgs: null, required: false },
  { name: 'libvirt', tool: 'virsh', usedFor: 'creating libvirt domains and boot verification', versionArgs: ['--version'], required: false },
  { name: 'libxml2', tool: 'virt-xml-validate', usedFor: 'validating domain XML before it is defined', versionArgs: ['--version'], required: false },
  { name: 'pkexec', tool: 'pkexec', usedFor: 'the privileged helper (writing into system folders)', versionArgs: ['--version'], required: false },
  { name: 'tesseract', tool: 'tesseract', usedFor: 'reading boot screens of guests without a serial console', versionArgs: ['--version'], required: false },
  { name: 'chromium', tool: 'chromium', usedFor: 'PDF reports from the command line and the browser wizard', versionArgs: ['--version'], required: false },
];

export interface ToolReport {
  name: string;
  tool: ToolName;
  path: string | null;
  version: string | null;
  /** Where the version came from: the tool itself, or its Debian package (tools without a flag). */
  versionFrom: 'tool' | 'dpkg' | null;
  /** The Debian package that provides it (what to install when it is missing). */
  package: string;
}

/**
 * The version in a tool's `--version` output: the first dotted number on a line (qemu's
 * "version 7.2.22 (Debian 1:7.2+dfsg…)", "guestfish 1.48.6", virsh's bare "9.0.0"), else a
 * number after the word "version" (pkexec's "pkexec version 122"). Lines that are warnings from
 * wrapper scripts (Debian's chromium prints one first) hold no such number and are skipped.
 */
export function parseToolVersion(output: string): string | null {
  const lines = output.split('\n');
  for (const line of lines) {
    const dotted = /(?:^|[\s(])v?(\d+(?:\.\d+){1,3})(?=$|[\s,)])/.exec(line);
    if (dotted) return dotted[1]!;
  }
  for (const line of lines) {
    const plain = /\bversion\s+(\d+)\b/i.exec(line);
    if (plain) return plain[1]!;
  }
  return null;
}

/** The upstream part of a Debian version: "1:7.2+dfsg-7+deb12u18" → "7.2+dfsg", "1.3.23-1+b1" → "1.3.23". */
export function upstreamVersion(debianVersion: string): string {
  const noEpoch = debianVersion.replace(/^\d+:/, '');
  const dash = noEpoch.lastIndexOf('-');
  return dash > 0 ? noEpoch.slice(0, dash) : noEpoch;
}

const VERSION_TIMEOUT_MS = 10_000;

async function versionOf(tools: ToolRunner, component: ToolComponent): Promise<Pick<ToolReport, 'version' | 'versionFrom'>> {
  try {
    if (component.versionArgs) {
      const { stdout, stderr } = await tools.run(component.tool, component.versionArgs, { signal: AbortSignal.timeout(VERSION_TIMEOUT_MS) });
      const version = parseToolVersion(stdout) ?? parseToolVersion(stderr);
      return { version, versionFrom: version ? 'tool' : null };
    }
    const { stdout } = await tools.run('dpkg-query', ['-W', '-f', '${Version}', TOOLS[component.tool].package], { signal: AbortSignal.timeout(VERSION_TIMEOUT_MS) });
    return stdout.trim() ? { version: upstreamVersion(stdout.trim()), versionFrom: 'dpkg' } : { version: null, versionFrom: null };
  } catch {
    // Installed but it would not say: the report shows the path without a version.
    return { version: null, versionFrom: null };
  }
}

/** Every tool of TOOL_COMPONENTS: where it is and which version, asked in parallel. */
export function describeTools(tools: ToolRunner, components: readonly ToolComponent[] = TOOL_COMPONENTS): Promise<ToolReport[]> {
  return Promise.all(
    components.map(async (component) => {
      const path = findTool(component.tool);
      const base = { name: component.name, tool: component.tool, path, package: TOOLS[component.tool].package };
      if (!path) return { ...base, version: null, versionFrom: null };
      return { ...base, ...(await versionOf(tools, component)) };
    }),
  );
}
