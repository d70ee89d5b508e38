// npm run bench:fetch — how well a migration overlaps the download and the conversion.
//
// A multi-GiB VMDK as vSphere keeps it (monolithicFlat: descriptor + -flat.vmdk, about 40 %
// random data, 15 % written zeros, the rest never written) is served by the simulator on
// loopback. In the same run, alternating the order, each of:
//   ours:  `hyper2kvm migrate` (the built CLI): download and convert to qcow2 at once;
//   curl:  a plain download of the same files;
//   bare:  `qemu-img convert` of the downloaded disk to qcow2;
// and the ratio ours ÷ max(curl, bare): 1.0 means transfer and conversion fully overlap, about
// 2.0 one after the other. Target ≤ 1.10. Twice: straight to the simulator, and through a
// loopback proxy limited to --mbps (default 100 MB/s), where the network is the bottleneck as it
// is for real users. Options: --gib N (default 3), --runs N (default 3), --mbps N, --only
// unlimited|limited.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectVsphere } from '../electron/engine/vsphere/connect';
import { datastoreFileUrl, sessionFileAccess } from '../electron/engine/vsphere/datastore-download';
import { uploadDatastoreFile } from '../test/support/vcsim/upload';
import { listVms } from '../electron/engine/vsphere/inventory';
import { powerOffVm, vmRef } from '../electron/engine/vsphere/vm-operations';
import { startNetProxy } from '../test/support/net-proxy';
import type { NetProxy } from '../test/support/net-proxy';
import { startVcsim } from '../test/support/vcsim/harness';
import { median, mib, timed } from './lib';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const gib = option('gib', 3);
const runs = option('runs', 3);
const mbps = option('mbps', 100);
const VM = 'DC0_H0_VM0';
const cache = join(root, '.cache', 'bench', `fetch-${gib}g`);
const descriptor = join(cache, 'disk1.vmdk');
const extent = join(cache, 'disk1-flat.vmdk');

/** The source disk, built once and cached: realistic content, vSphere's flat layout. */
function buildSource(): void {
  if (existsSync(descriptor) && existsSync(extent)) return;
  mkdirSync(cache, { recursive: true });
  const raw = join(cache, 'source.raw');
  console.log(`building a ${gib} GiB source disk (once; cached in ${cache})…`);
  execFileSync('/usr/bin/qemu-img', ['create', '-f', 'raw', raw, `${gib}G`], { stdio: 'ignore' });
  for (let i = 0; i < gib * 4; i++) {
    const kind = i % 20 < 8 ? 'random' : i % 20 < 11 ? 'zero' : 'hole';
    if (kind === 'hole') continue;
    execFileSync('/bin/dd', [`if=${kind === 'random' ? '/dev/urandom' : '/dev/zero'}`, `of=${raw}`, 'bs=1M', 'count=256', `seek=${i * 256}`, 'conv=notrunc', 'status=none']);
  }
  const temp = join(cache, 'tmp');
  mkdirSync(temp, { recursive: true });
  execFileSync('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicFlat', raw, join(temp, 'disk1.vmdk')]);
  renameSync(join(temp, 'disk1-flat.vmdk'), extent);
  renameSync(join(temp, 'disk1.vmdk'), descriptor);
  rmSync(temp, { recursive: true, force: true });
  rmSync(raw);
}

interface Round {
  ours: number;
  curl: number;
  bare: number;
  ratio: number;
}

async function main(): Promise<void> {
  const cli = join(root, 'dist', 'node', 'cli.mjs');
  if (!existsSync(cli)) throw new Error('dist/node/cli.mjs is missing: run `npm run build` first');
  buildSource();
  const vcsim = await startVcsim({ vmsPerPool: 1 });
  const work = mkdtempSync(join(tmpdir(), 'h2k-bench-fetch-'));
  const proxies: NetProxy[] = [];
  try {
    // Put the disk into the VM's folder and power the VM off (as the pre-flight demands).
    const { session } = await connectVsphere({ host: vcsim.host, port: vcsim.port, user: vcsim.user, password: vcsim.password, acceptSha256: vcsim.sha256 });
    for (const file of [extent, descriptor]) {
      await uploadDatastoreFile({ access: sessionFileAccess(session), source: file, target: { datacenterPath: 'DC0', datastore: 'LocalDS_0', path: `${VM}/${file.slice(cache.length + 1)}` } });
    }
    await powerOffVm(session, vmRef((await listVms(session)).find((vm) => vm.name === VM)!.id));
    await session.close();
    const passwordFile = join(work, 'password');
    writeFileSync(passwordFile, vcsim.password, { mode: 0o600 });
    const bytes = Number(execFileSync('/usr/bin/stat', ['-c', '%s', extent]).toString()) + Number(execFileSync('/usr/bin/stat', ['-c', '%s', descriptor]).toString());
    console.log(`source: ${mib(bytes)} over /folder (monolithicFlat), qcow2 output; ${runs} rounds per setting\n`);

    const settings: Array<{ name: string; port: () => Promise<number> }> = [];
    if (only !== 'limited') settings.push({ name: 'loopback, no limit', port: () => Promise.resolve(vcsim.port) });
    if (only !== 'unlimited') {
      settings.push({
        name: `through a ${mbps} MB/s loopback proxy`,
        port: async () => {
          const proxy = await startNetProxy({ targetHost: vcsim.host, targetPort: vcsim.port, bytesPerSecond: mbps * 1e6 });
          proxies.push(proxy);
          return proxy.port;
        },
      });
    }

    const summary: string[] = [];
    for (const setting of settings) {
      const port = await setting.port();
      console.log(`— ${setting.name}`);
      const rounds: Round[] = [];
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? (['ours', 'curl', 'bare'] as const) : (['curl', 'bare', 'ours'] as const);
        const times: Partial<Record<'ours' | 'curl' | 'bare', number>> = {};
        const curlDir = join(work, 'curl');
        for (const which of order) {
          // Each run starts with nothing left to write back from the one before (untimed).
          execFileSync('/bin/sync');
          if (which === 'ours') times.ours = await runOurs(cli, port, vcsim, passwordFile, work);
          if (which === 'curl') times.curl = await runCurl(port, curlDir);
          if (which === 'bare') {
            if (!existsSync(join(curlDir, 'disk1-flat.vmdk'))) await runCurl(port, curlDir);
            times.bare = await runBare(curlDir);
          }
        }
        rmSync(curlDir, { recursive: true, force: true });
        const round: Round = { ours: times.ours!, curl: times.curl!, bare: times.bare!, ratio: times.ours! / Math.max(times.curl!, times.bare!) };
        rounds.push(round);
        console.log(`  round ${i + 1}/${runs}: ours ${round.ours.toFixed(2)} s, curl ${round.curl.toFixed(2)} s (${(bytes / 1e6 / round.curl).toFixed(0)} MB/s), bare qemu-img ${round.bare.toFixed(2)} s → ratio ${round.ratio.toFixed(3)}`);
      }
      const ratio = median(rounds.map((r) => r.ratio));
      const line = `${setting.name}: median ours ${median(rounds.map((r) => r.ours)).toFixed(2)} s, curl ${median(rounds.map((r) => r.curl)).toFixed(2)} s, bare ${median(rounds.map((r) => r.bare)).toFixed(2)} s; median ratio ours ÷ max(curl, bare) = ${ratio.toFixed(3)}   target ≤ 1.10`;
      summary.push(line);
      console.log(`  ${line}\n`);
    }
    console.log(summary.join('\n'));
  } finally {
    for (const proxy of proxies) await proxy.stop();
    await vcsim.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function runOurs(cli: string, port: number, vcsim: Awaited<ReturnType<typeof startVcsim>>, passwordFile: string, work: string): Promise<number> {
  const out = join(work, 'ours');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const env = { ...process.env, HYPER2KVM_HOME: join(work, 'home') };
  const run = await timed(process.execPath, [cli, 'migrate', '--server', `127.0.0.1:${port}`, '--user', vcsim.user, '--password-file', passwordFile, '--thumbprint', vcsim.sha256, '--vm', VM, '--out', out, '--json'], env);
  if (run.exitCode !== 0) throw new Error(`our migration failed (${run.exitCode}): ${run.stdout.split('\n').filter(Boolean).at(-1)}`);
  rmSync(out, { recursive: true, force: true });
  // Where the time went: the job's own record of its transfer, against the whole process.
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { durationMs: number; transfer: { durationMs: number } };
  console.log(`    ours: process ${run.seconds.toFixed(2)} s, job ${(result.durationMs / 1000).toFixed(2)} s, of which the download ${(result.transfer.durationMs / 1000).toFixed(2)} s`);
  return run.seconds;
}

async function runCurl(port: number, dir: string): Promise<number> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  let seconds = 0;
  for (const name of ['disk1.vmdk', 'disk1-flat.vmdk']) {
    const url = datastoreFileUrl(`https://127.0.0.1:${port}`, { datacenterPath: 'DC0', datastore: 'LocalDS_0', path: `${VM}/${name}` });
    // -k: the baseline only measures the transfer (ours pins the certificate).
    const run = await timed('/usr/bin/curl', ['-sS', '-k', '--fail', '-o', join(dir, name), url]);
    if (run.exitCode !== 0) throw new Error(`curl failed: ${run.stderr}`);
    seconds += run.seconds;
  }
  return seconds;
}

async function runBare(dir: string): Promise<number> {
  const output = join(dir, 'bare.qcow2');
  const run = await timed('/usr/bin/qemu-img', ['convert', '-p', '-O', 'qcow2', '-f', 'vmdk', join(dir, 'disk1.vmdk'), output]);
  if (run.exitCode !== 0) throw new Error(`qemu-img failed: ${run.stderr}`);
  rmSync(output, { force: true });
  return run.seconds;
}

await main();
