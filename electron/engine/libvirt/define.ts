import { constants } from 'node:fs';
import { access, chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { DefineResult, DiskPlacement, DomainSpec, LibvirtConnection, NameCollisionPolicy, ParsedDomain, UndefineResult } from '../../../shared/contract/models/libvirt';
import { DomainSpec as DomainSpecSchema } from '../../../shared/contract/models/libvirt';
import { EngineFailure, fail, fromErrno } from '../core/errors';
import type { LogSink, ProgressReport } from '../core/stage';
import { createDomainXml } from './domain-xml-create';
import { parseDomainXml } from './domain-xml-parse';
import { closedFolderFor, qemuIdentityFor } from './host';
import type { VirshContext } from './virsh';
import { defineFromFile, domainNames, domainState, dumpXml, pickFreeName, undefineDomainByName } from './virsh';

export const DEFAULT_IMAGES_DIR = '/var/lib/libvirt/images';

export interface DefineInput {
  connection: LibvirtConnection;
  spec: DomainSpec;
  onCollision: NameCollisionPolicy;
  /** Default: in place for the session, moved into `imagesDir` for the system connection. */
  placement?: DiskPlacement;
  imagesDir?: string;
  /** Where the domain XML file is written (the job folder). */
  workDir: string;
}

export interface DefineContext extends VirshContext {
  log?: LogSink;
  progress?: (report: ProgressReport) => void;
}

interface PlacedDisk {
  from: string;
  path: string;
  placement: DiskPlacement;
  /** Undo for a failed define: move back, or delete the copy. */
  undo: () => Promise<void>;
}

/**
 * Defines a domain on a connection: refuses (or renames around) a taken name, refuses a disk
 * another domain already uses, puts the disks where that connection's qemu can read them, writes
 * the XML into the work folder and has libvirt validate and store it. If anything fails after a
 * disk was moved or copied, the disk is put back as it was.
 */
export async function defineDomain(ctx: DefineContext, input: DefineInput): Promise<DefineResult> {
  const spec = DomainSpecSchema.parse(input.spec);
  const { connection } = input;
  const log = ctx.log ?? (() => undefined);

  const existing = new Set(await domainNames(ctx, connection));
  let name = spec.name;
  if (existing.has(name)) {
    if (input.onCollision === 'refuse') {
      fail('LIBVIRT_NAME_TAKEN', `A domain called "${name}" already exists on ${connection}.`, `Choose another name, or let hyper2kvm pick one ("${pickFreeName(name, existing)}").`, {
        details: { name, connection, suggestion: pickFreeName(name, existing) },
      });
    }
    name = pickFreeName(name, existing);
    log('info', `The name "${spec.name}" is taken on ${connection}: using "${name}".`);
  }

  await refuseDisksInUse(ctx, connection, spec, existing);

  const placement = input.placement ?? (connection === 'qemu:///system' ? 'move' : 'in-place');
  const imagesDir = resolve(input.imagesDir ?? DEFAULT_IMAGES_DIR);
  const placed: PlacedDisk[] = [];
  try {
    for (const [i, disk] of spec.disks.entries()) {
      placed.push(await placeDisk(ctx, disk.path, placement, imagesDir, targetFileName(name, i, disk.path)));
    }
    const who = qemuIdentityFor(connection);
    for (const disk of placed) {
      const closed = await closedFolderFor(disk.path, who);
      if (closed) {
        fail('LIBVIRT_DISK_UNREACHABLE', `The disk ${disk.path} is in a folder ${who?.name ?? 'qemu'} cannot enter (${closed}).`, `Move the disks under ${DEFAULT_IMAGES_DIR} (placement "move" or "copy"), or define on qemu:///session.`, {
          path: disk.path,
          details: { folder: closed, user: who?.name },
        });
      }
    }

    const final: DomainSpec = { ...spec, name, disks: spec.disks.map((d, i) => ({ ...d, path: placed[i]!.path })) };
    await mkdir(input.workDir, { recursive: true });
    const xmlPath = join(input.workDir, `domain-${name}.xml`);
    await writeFile(xmlPath, createDomainXml(final), { mode: 0o644 });
    await defineFromFile(ctx, connection, xmlPath);
    log('info', `Defined "${name}" on ${connection}.`);

    const domain = parseDomainXml(await dumpXml(ctx, connection, name, { inactive: true }));
    return {
      name,
      uuid: domain.uuid ?? '',
      connection,
      renamed: name !== spec.name,
      disks: placed.map(({ from, path, placement: how }) => ({ from, path, placement: how })),
      xmlPath,
      domain,
    };
  } catch (error) {
    for (const disk of placed.reverse()) {
      try {
        await disk.undo();
      } catch (undoError) {
        log('warn', `Could not put ${disk.from} back: ${(undoError as Error).message}`);
      }
    }
    throw error;
  }
}

async function refuseDisksInUse(ctx: VirshContext, connection: LibvirtConnection, spec: DomainSpec, names: ReadonlySet<string>): Promise<void> {
  const wanted = new Set(spec.disks.map((d) => resolve(d.path)));
  for (const other of names) {
    let domain: ParsedDomain;
    try {
      domain = parseDomainXml(await dumpXml(ctx, connection, other, { inactive: true }));
    } catch (error) {
      // Gone in the meantime (a transient domain stopping): nothing to collide with.
      if (error instanceof EngineFailure && error.value.code === 'LIBVIRT_DOMAIN_NOT_FOUND') continue;
      throw error;
    }
    const shared = domain.disks.find((d) => d.path !== undefined && wanted.has(resolve(d.path)));
    if (shared?.path) {
      fail('LIBVIRT_DISK_IN_USE', `The disk ${shared.path} already belongs to the domain "${other}" on ${connection}.`, `Undefine "${other}" first, or convert again to a new file.`, {
        path: shared.path,
        details: { domain: other },
      });
    }
  }
}

/** "web.qcow2" for the first disk of domain "web", "web-disk2.qcow2" for the second. */
export function targetFileName(domainName: string, index: number, source: string): string {
  const ext = extname(source) || '.img';
  return index === 0 ? `${domainName}${ext}` : `${domainName}-disk${index + 1}${ext}`;
}

async function placeDisk(ctx: DefineContext, source: string, placement: DiskPlacement, imagesDir: string, fileName: string): Promise<PlacedDisk> {
  const from = resolve(source);
  await access(from, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
    throw new EngineFailure(fromErrno(error, from));
  });
  if (placement === 'in-place' || dirname(from) === imagesDir) {
    return { from, path: from, placement: 'in-place', undo: () => Promise.resolve() };
  }
  await mkdir(imagesDir, { recursive: true });
  const target = join(imagesDir, fileName);
  if (await exists(target)) {
    fail('OUTPUT_EXISTS', `${target} already exists.`, 'Choose another domain name, or remove the old disk if it is no longer used.', { path: target });
  }
  if (placement === 'move') {
    try {
      await rename(from, target);
      return { from, path: target, placement: 'move', undo: () => rename(target, from) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, from));
      // Another file system: copy, then remove the original once the copy is complete.
      await copyDisk(ctx, from, target);
      await rm(from);
      return { from, path: target, placement: 'move', undo: () => copyDisk(ctx, target, from).then(() => rm(target)) };
    }
  }
  await copyDisk(ctx, from, target);
  return { from, path: target, placement: 'copy', undo: () => rm(target, { force: true }) };
}

/** qemu-img keeps holes as holes (a plain copy would write every zero of a sparse raw file). */
async function copyDisk(ctx: DefineContext, from: string, to: string): Promise<void> {
  const { stdout } = await ctx.tools.run('qemu-img', ['info', '--output=json', from], ctx.signal ? { signal: ctx.signal } : {});
  const info = JSON.parse(stdout) as { format: string; 'virtual-size': number };
  const total = info['virtual-size'];
  try {
    await ctx.tools.run('qemu-img', ['convert', '-p', '-f', info.format, '-O', info.format, from, to], {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onStdoutLine: (line) => {
        const m = /\((\d+(?:\.\d+)?)\/100%\)/.exec(line);
        if (m && ctx.progress) ctx.progress({ bytesDone: (Number(m[1]) / 100) * total, bytesTotal: total, item: basename(from) });
      },
    });
    await chmod(to, 0o644);
  } catch (error) {
    await rm(to, { force: true });
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Undoes a define's disk placement: moved disks go back where they came from, copies are
 * deleted. For a job that fails after its define stage ("cancelled leaves nothing behind").
 */
export async function putDisksBack(ctx: DefineContext, disks: DefineResult['disks']): Promise<void> {
  for (const disk of disks) {
    if (disk.placement === 'copy') await rm(disk.path, { force: true });
    if (disk.placement !== 'move') continue;
    try {
      await rename(disk.path, disk.from);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyDisk(ctx, disk.path, disk.from);
      await rm(disk.path);
    }
  }
}

export interface UndefineInput {
  connection: LibvirtConnection;
  name: string;
}

/** Removes a stopped domain's definition (and its UEFI NVRAM file); the disks stay. */
export async function undefineDomain(ctx: VirshContext, input: UndefineInput): Promise<UndefineResult> {
  const domain = parseDomainXml(await dumpXml(ctx, input.connection, input.name, { inactive: true }));
  const state = await domainState(ctx, input.connection, input.name);
  if (state && state.state !== 'shut off') {
    fail('LIBVIRT_DOMAIN_RUNNING', `The domain "${input.name}" is ${state.state}.`, 'Shut it down first; hyper2kvm does not remove running domains.', {
      details: { name: input.name, state: state.state },
    });
  }
  const uefi = domain.firmware.type === 'uefi';
  await undefineDomainByName(ctx, input.connection, input.name, { nvram: uefi });
  return { name: input.name, connection: input.connection, nvramRemoved: uefi };
}
