import { z } from 'zod';
import { method } from './define';
import { JobId } from '../events';
import { BootVerification, VerifyBootRequest } from '../models/boot';
import {
  DiskPlacement,
  DomainName,
  DomainPlan,
  DomainPlanRequest,
  LibvirtConnection,
  NameCollisionPolicy,
  ParsedDomain,
  UndefineResult,
} from '../models/libvirt';

export const DomainListEntry = z.object({
  name: z.string(),
  state: z.string(),
  persistent: z.boolean(),
});
export type DomainListEntry = z.infer<typeof DomainListEntry>;

export const DefineRequest = z
  .object({
    plan: DomainPlanRequest,
    onCollision: NameCollisionPolicy.default('refuse'),
    /** Default: in place for qemu:///session, moved under /var/lib/libvirt/images for qemu:///system. */
    placement: DiskPlacement.optional(),
    /** Where moved or copied disks go (default /var/lib/libvirt/images). */
    imagesDir: z.string().min(1).optional(),
  })
  .strict();
export type DefineRequest = z.input<typeof DefineRequest>;
export type ResolvedDefineRequest = z.output<typeof DefineRequest>;

/** A verification as the front ends start it: the stage's request, optionally tied to an inspection job. */
export const VerifyBootCall = VerifyBootRequest.extend({
  /** The inspection job whose report (inspection.json) receives the verdict and evidence. */
  inspectionJobId: JobId.optional(),
});
export type VerifyBootCall = z.input<typeof VerifyBootCall>;
export type ResolvedVerifyBootCall = z.output<typeof VerifyBootCall>;

/** How the verify-boot job names its screenshots in its folder (boot/screen-001.png, boot/screen-2-001.png). */
export const ScreenshotName = z.string().regex(/^screen-(\d+-)?\d{3,}\.png$/, 'a screenshot name such as screen-001.png');

export const libvirtApi = {
  'libvirt.plan': method({
    summary: 'The domain a migrated VM would get: spec, XML preview and the reasons for each choice',
    input: DomainPlanRequest,
    output: DomainPlan,
  }),
  'libvirt.define': method({
    summary: 'Define the domain on a connection (moving its disks where that connection can read them); the result arrives as a job event',
    input: DefineRequest,
    output: z.object({ jobId: JobId }),
  }),
  'libvirt.undefine': method({
    summary: 'Remove a defined domain (and its UEFI NVRAM); its disks are kept',
    input: z.object({ name: DomainName, connection: LibvirtConnection.default('qemu:///session') }).strict(),
    output: UndefineResult,
  }),
  'libvirt.domains': method({
    summary: 'Domains on a connection, for name collisions and the final step',
    input: z.object({ connection: LibvirtConnection.default('qemu:///session') }).strict(),
    output: z.array(DomainListEntry),
  }),
  'libvirt.domain': method({
    summary: 'One domain read back from libvirt',
    input: z.object({ name: DomainName, connection: LibvirtConnection.default('qemu:///session') }).strict(),
    output: z.object({ domain: ParsedDomain, xml: z.string() }),
  }),
  'libvirt.networks': method({
    summary: 'libvirt networks on a connection, for the NIC mapping',
    input: z.object({ connection: LibvirtConnection.default('qemu:///session') }).strict(),
    output: z.array(z.object({ name: z.string(), active: z.boolean() })),
  }),
  'boot.verify': method({
    summary: 'Boot a throwaway overlay of a converted disk and report the verdict with evidence; the result arrives as a job event',
    input: VerifyBootCall,
    output: z.object({ jobId: JobId }),
  }),
  'boot.screenshot': method({
    summary: 'One screenshot of a verification, as PNG (base64): the page cannot read the job folder itself',
    input: z.object({ jobId: JobId, name: ScreenshotName }).strict(),
    output: z.object({ name: z.string(), mime: z.literal('image/png'), base64: z.string(), bytes: z.number().int().nonnegative() }),
  }),
  'boot.result': method({
    summary: 'The verification a job stored (<jobDir>/boot-verification.json), also after a restart',
    input: z.object({ jobId: JobId }).strict(),
    output: BootVerification,
  }),
};
