#!/usr/bin/env node
// `npm run fuzz`: the long run of the fuzz tests (test/unit/fuzz). `npm test` runs the same
// properties with a bounded number of cases and a fixed seed; this runs many more with a fresh
// seed each time and prints it, so a failure can be replayed:
//   npm run fuzz                          20 000 cases per parser, a random seed
//   npm run fuzz -- --runs 100000 --seed 1234 [vitest filters, e.g. tar]
// Keep every failing case it finds as a table test next to the parser's own tests.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '20000' }, seed: { type: 'string' } }, allowPositionals: true });
const runs = Number(values.runs);
const seed = values.seed === undefined ? randomInt(2 ** 31) : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- [--runs N] [--seed S] [test name filters]');
  process.exit(2);
}
console.log(`fuzzing with seed ${seed}, ${runs} cases per parser (replay: npm run fuzz -- --runs ${runs} --seed ${seed})`);
const filters = positionals.length > 0 ? positionals.map((p) => `test/unit/fuzz/${p}`) : ['test/unit/fuzz/'];
const child = spawn(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit', ...filters], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, HYPER2KVM_FUZZ_RUNS: String(runs), HYPER2KVM_FUZZ_SEED: String(seed) },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
