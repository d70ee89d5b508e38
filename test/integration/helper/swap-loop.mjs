// The attacker's half of the race in pkexec.test.ts, run as the unprivileged test user:
//   node swap-loop.mjs FOLDER GOOD SECRET
// Every couple of milliseconds FOLDER/src becomes, by an atomic rename, either a hard link to
// GOOD (a file the user may read) or a symbolic link to SECRET (a file only root may read), so
// a check of FOLDER/src and a later open of it see different files. It prints the number of
// swaps when it gets SIGTERM.
import { linkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const [folder, good, secret] = process.argv.slice(2);
if (!folder || !good || !secret) throw new Error('usage: swap-loop.mjs FOLDER GOOD SECRET');
const src = join(folder, 'src');
const staged = join(folder, '.staged');
const pause = new Int32Array(new SharedArrayBuffer(4));

let swaps = 0;
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

function swap(makeLink) {
  rmSync(staged, { force: true });
  makeLink(staged);
  renameSync(staged, src);
  swaps++;
}

// Synchronous swaps with short sleeps, handing the event loop a turn now and then so SIGTERM
// is seen.
function burst() {
  for (let i = 0; i < 50 && !stopping; i++) {
    swap((path) => linkSync(good, path));
    Atomics.wait(pause, 0, 0, 1 + (i % 3));
    swap((path) => symlinkSync(secret, path));
    Atomics.wait(pause, 0, 0, 1 + ((i + 1) % 3));
  }
  if (stopping) {
    process.stdout.write(`${swaps}\n`);
    return;
  }
  setImmediate(burst);
}

swap((path) => linkSync(good, path));
process.stdout.write('ready\n');
burst();
