import { LocalToolRunner } from '../engine/core/tool-runner';
import { readBuildInfo } from '../engine/host/build-info';
import type { BuildInfo } from '../engine/host/build-info';
import { describeTools } from '../engine/host/tool-versions';
import type { ToolReport } from '../engine/host/tool-versions';
import { emitJson, say } from './io';
import type { CliIo } from './io';

/**
 * `hyper2kvm --version`: the version on the first line (what scripts read), then the commit it
 * was built from, what kind of build it is and where it runs from, Node, and the tools found
 * with their versions. With --json, one result line with the same facts.
 */

export interface VersionReport {
  version: string;
  commit: string | null;
  dirty: boolean;
  /** What this build holds and how it was installed. */
  build: string;
  installedAt: string;
  node: { version: string; path: string };
  tools: ToolReport[];
}

export function describeBuild(info: BuildInfo | null): string {
  if (info?.package) {
    const front = info.package.desktop === 'electron' ? 'the Electron desktop app' : 'the command line and the wizard in the browser (no Electron)';
    return `Debian package ${info.package.name} ${info.package.version}: ${front}`;
  }
  return info ? 'built from a source checkout' : 'running from sources (not built)';
}

export async function versionReport(root: string, fallbackVersion: string): Promise<VersionReport> {
  const info = readBuildInfo(root);
  return {
    version: info?.version ?? fallbackVersion,
    commit: info?.commit ?? null,
    dirty: info?.dirty ?? false,
    build: describeBuild(info),
    installedAt: root,
    node: { version: process.versions.node, path: process.execPath },
    tools: await describeTools(new LocalToolRunner()),
  };
}

export function printVersion(io: CliIo, report: VersionReport): void {
  if (io.json) {
    emitJson(io, { type: 'result', ok: true, ...report });
    return;
  }
  const lines = [
    `hyper2kvm ${report.version}`,
    `commit:  ${report.commit ? `${report.commit.slice(0, 12)}${report.dirty ? ' (with uncommitted changes)' : ''}` : 'unknown (not built from a git checkout)'}`,
    `build:   ${report.build}`,
    `from:    ${report.installedAt}`,
    `node:    ${report.node.version} (${report.node.path})`,
    'tools:',
  ];
  const width = Math.max(...report.tools.map((t) => t.name.length));
  const versionOf = (tool: ToolReport): string => (tool.path ? (tool.version ?? 'version unknown') : 'not found');
  const versionWidth = Math.max(...report.tools.map((t) => versionOf(t).length));
  for (const tool of report.tools) {
    const version = versionOf(tool);
    const where = tool.path ? `${tool.path}${tool.versionFrom === 'dpkg' ? ` (version of package ${tool.package})` : ''}` : `install: sudo apt-get install ${tool.package}`;
    lines.push(`  ${tool.name.padEnd(width)}  ${version.padEnd(versionWidth)}  ${where}`);
  }
  say(io, lines.join('\n'));
}
