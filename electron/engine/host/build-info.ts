import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What this build is: written by scripts/build.mjs into dist/build-info.json (the commit it was
 * built from), and completed by the Debian packager (build/deb) with the package it went into
 * and which front end it holds. `hyper2kvm --version` prints it.
 */
export interface BuildInfo {
  version: string;
  /** The full commit hash, or null when built outside a git checkout. */
  commit: string | null;
  /** The working tree had uncommitted changes to tracked files when it was built. */
  dirty: boolean;
  /** Set by the Debian packager. */
  package?: {
    format: 'deb';
    name: string;
    version: string;
    /** `browser`: the wizard opens in the default browser through the loopback bridge; `electron`: the desktop app. */
    desktop: 'browser' | 'electron';
  };
}

export const BUILD_INFO_FILE = join('dist', 'build-info.json');

/** The build info under a package root, or null when there is none (running from sources, or a build from before it existed). */
export function readBuildInfo(root: string): BuildInfo | null {
  try {
    const value = JSON.parse(readFileSync(join(root, BUILD_INFO_FILE), 'utf8')) as Partial<BuildInfo>;
    if (typeof value.version !== 'string') return null;
    return { version: value.version, commit: typeof value.commit === 'string' ? value.commit : null, dirty: value.dirty === true, ...(value.package ? { package: value.package } : {}) };
  } catch {
    return null;
  }
}
