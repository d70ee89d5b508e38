#!/usr/bin/env node
// `npx hyper2kvm`: runs the bundled CLI. `npm ci` builds it (the `prepare` script); if it is
// missing, say how to build it instead of failing with a module error.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/node/cli.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('hyper2kvm is not built yet. Run `npm run build` in the project folder first.\n');
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
