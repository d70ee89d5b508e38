import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../../electron/engine/core/tool-runner';
import { cachedFixture } from '../../fixtures/cache';
import { fixtureCacheDir } from '../../fixtures/cache-dir';

/**
 * A real vCenter simulator for integration tests: govmomi's simulator library from Debian
 * (golang-github-vmware-govmomi-dev) behind our own main.go, built offline in GOPATH mode into
 * the fixture cache (rebuilt only when the Go sources or the Go toolchain change), serving TLS
 * with our own 2048-bit certificates (Go's built-in test certificate is RSA-1024, which
 * OpenSSL 3 refuses).
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const GO = '/usr/bin/go';
const OPENSSL = '/usr/bin/openssl';
const GOMOMI_SIMULATOR = '/usr/share/gocode/src/github.com/vmware/govmomi/simulator';

function requireFile(path: string, install: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install ${install}`);
}

/** Builds (or finds) the simulator binary; returns its path. */
export async function vcsimBinary(): Promise<string> {
  requireFile(GO, 'golang-go');
  requireFile(GOMOMI_SIMULATOR, 'golang-github-vmware-govmomi-dev golang-github-kr-pretty-dev');
  const sources = readdirSync(HERE)
    .filter((name) => name.endsWith('.go'))
    .sort()
    .map((name) => ({ name, sha256: createHash('sha256').update(readFileSync(join(HERE, name))).digest('hex') }));
  const goVersion = (await runCommand(GO, ['version'])).stdout.trim();
  const fixture = await cachedFixture('vcsim', { sources, goVersion }, async (workDir) => {
    const cache = fixtureCacheDir();
    await runCommand(GO, ['build', '-o', join(workDir, 'vcsim'), '.'], {
      cwd: HERE,
      env: {
        GO111MODULE: 'off',
        GOPROXY: 'off',
        GOFLAGS: '',
        GOPATH: `${join(cache, 'vcsim-gopath')}:/usr/share/gocode`,
        GOCACHE: join(cache, 'vcsim-gocache'),
      },
    });
    return { goVersion };
  });
  return join(fixture.dir, 'vcsim');
}

export type CertificateName = 'a' | 'b' | 'ca-signed';

export interface CertificateFiles {
  cert: string;
  key: string;
  /** The CA that signed ca-signed (for the CA-file tests). */
  caCert: string;
}

/** Two unrelated self-signed certificates (a, b) and one signed by a test CA, all for 127.0.0.1. */
export async function vcsimCertificates(): Promise<{ dir: string; files: (name: CertificateName) => CertificateFiles }> {
  const fixture = await cachedFixture('vcsim-certs', { version: 1, bits: 2048, san: 'IP:127.0.0.1,DNS:localhost' }, async (dir) => {
    const selfSigned = async (name: string): Promise<void> => {
      await runCommand(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', `/CN=vcsim-${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`)]);
    };
    await selfSigned('a');
    await selfSigned('b');
    await runCommand(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=hyper2kvm test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem')]);
    await runCommand(OPENSSL, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'ca-signed.key'), '-out', join(dir, 'ca-signed.csr')]);
    writeFileSync(join(dir, 'ca-signed.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    await runCommand(OPENSSL, ['x509', '-req', '-in', join(dir, 'ca-signed.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', '3650', '-extfile', join(dir, 'ca-signed.ext'), '-out', join(dir, 'ca-signed.pem')]);
    return {};
  });
  return {
    dir: fixture.dir,
    files: (name) => ({ cert: join(fixture.dir, `${name}.pem`), key: join(fixture.dir, `${name}.key`), caCert: join(fixture.dir, 'ca.pem') }),
  };
}

export interface VcsimOptions {
  user?: string;
  password?: string;
  certificate?: CertificateName;
  /** 0 picks a free port; give the port of an earlier run to restart "the same server". */
  port?: number;
  datacenters?: number;
  clusters?: number;
  hostsPerCluster?: number;
  standaloneHosts?: number;
  /** VMs per resource pool: every cluster and every standalone host has one pool. */
  vmsPerPool?: number;
  /** How long to wait for the URL line (big inventories take seconds to create). */
  startTimeoutMs?: number;
}

export interface VcsimInventoryCounts {
  datacenters: number;
  clusters: number;
  hosts: number;
  vms: number;
  datastores: number;
}

export interface Vcsim {
  /** https://127.0.0.1:PORT/sdk */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  certPem: string;
  /** SHA-256 fingerprint of certPem, colon-separated upper-case hex. */
  sha256: string;
  certificateFiles: CertificateFiles;
  /** What the simulator created, as it counts it. */
  inventory: VcsimInventoryCounts;
  pid: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  // Last resort if a test run dies without afterAll: never leave simulators behind.
  for (const child of running) child.kill('SIGKILL');
});

export async function startVcsim(options: VcsimOptions = {}): Promise<Vcsim> {
  const binary = await vcsimBinary();
  const certs = await vcsimCertificates();
  const certificateFiles = certs.files(options.certificate ?? 'a');
  const user = options.user ?? 'migrator@vsphere.local';
  const password = options.password ?? 'S3cret&<"pass>';
  // The simulator keeps its datastores under $TMPDIR/govcsim-*: a folder of our own per run.
  const runDir = mkdtempSync(join(tmpdir(), 'h2k-vcsim-'));
  const args = [
    '-listen',
    `127.0.0.1:${options.port ?? 0}`,
    '-user',
    user,
    '-password',
    password,
    '-cert',
    certificateFiles.cert,
    '-key',
    certificateFiles.key,
    '-dc',
    String(options.datacenters ?? 1),
    '-cluster',
    String(options.clusters ?? 1),
    '-cluster-host',
    String(options.hostsPerCluster ?? 3),
    '-standalone-host',
    String(options.standaloneHosts ?? 1),
    '-vms',
    String(options.vmsPerPool ?? 2),
  ];
  const child = spawn(binary, args, { env: { ...process.env, TMPDIR: runDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // Removing thousands of simulated VMs can take vcsim many seconds on a busy machine; the
      // run folder (its datastores) is deleted below anyway, so do not wait for long.
      const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(runDir, { recursive: true, force: true });
  };

  try {
    const lines = createInterface({ input: child.stdout });
    const iterator = lines[Symbol.asyncIterator]();
    const timeout = options.startTimeoutMs ?? 120_000;
    const nextLine = async (): Promise<string> => {
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        iterator.next(),
        exited.then(() => ({ done: true as const, value: undefined })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`vcsim did not start within ${timeout} ms; stderr:\n${stderr}`)), timeout);
        }),
      ]).finally(() => clearTimeout(timer));
      if (result.done || result.value === undefined) throw new Error(`vcsim exited before printing its URL; stderr:\n${stderr}`);
      return result.value;
    };
    const url = new URL((await nextLine()).trim());
    const inventory = JSON.parse(await nextLine()) as VcsimInventoryCounts;
    lines.close();
    child.stdout?.resume(); // keep draining, in case it ever prints more
    const certPem = readFileSync(certificateFiles.cert, 'utf8');
    return {
      url: url.toString(),
      host: url.hostname,
      port: Number(url.port),
      user,
      password,
      certPem,
      sha256: new X509Certificate(certPem).fingerprint256,
      certificateFiles,
      inventory,
      pid: child.pid!,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
