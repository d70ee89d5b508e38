#!/usr/bin/env node
// Builds everything that runs outside vitest:
//   dist/node/cli.mjs          the CLI and the loopback bridge (`npx hyper2kvm`)
//   dist/helper/helper.mjs     the privileged helper, self-contained (run by pkexec)
//   dist/electron/main.cjs     Electron main process
//   dist/electron/preload.cjs  Electron preload, one file (a sandboxed preload cannot require)
//   dist/renderer/             the React wizard (vite)
//   dist/build-info.json       version and commit, for `hyper2kvm --version`
// Usage: node scripts/build.mjs [--node-only]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeOnly = process.argv.includes('--node-only');
// Bundled CommonJS dependencies call require(): give ES module bundles one.
const cjsInterop = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };
// zod ships every message locale (~370 KB) behind one re-export; the engine speaks English only.
// Resolving that index to English alone halves zod's share of the bundles and of start-up.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'zod')}`) ? { path: 'zod-locales', namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({
      contents: `export { default as en } from ${JSON.stringify(join(root, 'node_modules', 'zod', 'v4', 'locales', 'en.js'))};`,
      loader: 'js',
      resolveDir: root,
    }));
  },
};
const common = { plugins: [zodEnglishOnly], bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', absWorkingDir: root };

// Chunk names carry a content hash: without this, every build would leave the last one's behind.
rmSync(join(root, 'dist', 'node', 'chunks'), { recursive: true, force: true });

await Promise.all([
  // Dependencies are bundled in: loading one file instead of hundreds from node_modules cuts the
  // CLI's start-up time, which counts in every scripted conversion (see bench:convert).
  // Code that only some commands need (the vSphere stack) is split into chunks loaded on demand.
  build({
    ...common,
    entryPoints: { cli: 'electron/cli/entry.ts' },
    outdir: 'dist/node',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    banner: cjsInterop,
    external: ['bufferutil', 'utf-8-validate'],
  }),
  build({
    ...common,
    entryPoints: ['electron/helper/main.ts'],
    outfile: 'dist/helper/helper.mjs',
    format: 'esm',
    // Self-contained: the helper runs as root and must not load code from node_modules at run time.
    banner: cjsInterop,
  }),
  build({ ...common, entryPoints: ['electron/main/index.ts'], outfile: 'dist/electron/main.cjs', format: 'cjs', external: ['electron'], packages: 'external' }),
  build({ ...common, entryPoints: ['electron/preload/index.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'], platform: 'node' }),
]);

// The commit this was built from (null outside a git checkout), and whether tracked files had
// changes: `hyper2kvm --version` names the exact sources of a build.
const git = (...args) => {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
};
const commit = git('rev-parse', 'HEAD');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(join(root, 'dist', 'build-info.json'), JSON.stringify({ version, commit, dirty: commit !== null && git('status', '--porcelain', '--untracked-files=no') !== '' }, null, 2) + '\n');

if (!nodeOnly) {
  const vite = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (vite.status !== 0) process.exit(vite.status ?? 1);
}
console.log('built dist/');
