// npm run bench:startup — how long `hyper2kvm --help` takes from PATH (the command a script
// calls, found the way the shell finds it), against `node -e 0` — Node starting and doing nothing,
// the floor for any Node program — in the same run, alternating. Prints the medians, what
// hyper2kvm adds to Node's own start-up, and the ratio. Target: ≤ 0.3 s for `hyper2kvm --help`.
// For context it also times `npx --no-install hyper2kvm --help` (what a script paid before).
// Options: --runs N (default 21), --no-npx.
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, timed } from './lib';

const TARGET_SECONDS = 0.3;
const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const runsIndex = argv.indexOf('--runs');
const runs = runsIndex >= 0 ? Number(argv[runsIndex + 1]) : 21;
const withNpx = !argv.includes('--no-npx');

/** The first executable `name` on PATH, as the shell would find it. */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

async function measure(file: string, args: string[], options: { cwd?: string } = {}): Promise<number> {
  const run = await timed(file, args, process.env, options.cwd);
  if (run.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${run.exitCode}: ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
  return run.seconds;
}

async function main(): Promise<void> {
  const command = onPath('hyper2kvm');
  const node = onPath('node');
  if (!command || !node) {
    console.error(!command ? 'There is no hyper2kvm on PATH: run ./scripts/setup.sh --command-only (or install the Debian package) first.' : 'There is no node on PATH.');
    process.exit(1);
  }
  console.log(`hyper2kvm: ${command} -> ${realpathSync(command)}`);
  console.log(`node:      ${node} (${process.version})`);
  console.log(`${runs} runs each, alternating, after one untimed warm-up run of each\n`);

  await measure(command, ['--help']);
  await measure(node, ['-e', '0']);
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await measure(command, ['--help']));
    bare.push(await measure(node, ['-e', '0']));
  }
  const ms = (s: number): string => `${(s * 1000).toFixed(0)} ms`;
  const summary = (label: string, values: number[]): number => {
    const value = median(values);
    console.log(`${label}  median ${ms(value)}   (min ${ms(Math.min(...values))}, max ${ms(Math.max(...values))})`);
    return value;
  };
  const oursMedian = summary('hyper2kvm --help', ours);
  const bareMedian = summary('node -e 0       ', bare);
  console.log(`hyper2kvm adds    ${ms(oursMedian - bareMedian)} to Node's own start-up; ratio ${(oursMedian / bareMedian).toFixed(2)}`);
  console.log(`target ≤ ${TARGET_SECONDS} s for hyper2kvm --help: ${oursMedian <= TARGET_SECONDS ? 'met' : 'NOT met'}`);
  console.log(`(load average now: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; on 2 cores, more than 2 means other work competes for the CPU)`);

  if (withNpx) {
    const npx = onPath('npx');
    if (npx) {
      // From the checkout, where npx finds the project's own bin; fewer runs, it is slow.
      const npxRuns: number[] = [];
      for (let i = 0; i < 5; i++) npxRuns.push(await measure(npx, ['--no-install', 'hyper2kvm', '--help'], { cwd: root }));
      console.log(`\nfor context: npx --no-install hyper2kvm --help   median ${ms(median(npxRuns))} (5 runs)`);
    }
  }
}

await main();
