#!/usr/bin/env node
// `npm start`: the Electron app where its binary exists; otherwise (no Electron binary, as on
// our build machines) the same wizard served by the loopback bridge, with the URL to open.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

if (!existsSync(join(root, 'dist', 'node', 'cli.mjs')) || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
  const built = spawn(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const code = await new Promise((resolve) => built.on('exit', resolve));
  if (code !== 0) process.exit(code ?? 1);
}

function electronBinary() {
  try {
    // The electron package exports the path of its binary, which exists only if it was downloaded.
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const electron = electronBinary();
const args = process.argv.slice(2);
const child = electron
  ? spawn(electron, [join(root, 'dist', 'electron', 'main.cjs'), ...args], { stdio: 'inherit' })
  : (console.log('No Electron binary on this machine: serving the same wizard through the loopback bridge instead.'),
    spawn(process.execPath, [join(root, 'dist', 'node', 'cli.mjs'), 'serve', ...args], { stdio: 'inherit' }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
