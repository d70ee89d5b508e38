import { join } from 'node:path';
import type { ApiHandlers } from '../../../shared/contract/api';
import { verifyBootJob } from '../boot/job';
import { loadVerification, readScreenshot } from '../boot/evidence';
import type { EngineDeps } from '../deps';
import { undefineDomain } from './define';
import { parseDomainXml } from './domain-xml-parse';
import { thisHost } from './host';
import { defineJob } from './jobs';
import { planDomain } from './plan';
import { dumpXml, listDomains, listNetworks } from './virsh';

type LibvirtHandlers = Pick<
  ApiHandlers,
  'libvirt.plan' | 'libvirt.define' | 'libvirt.undefine' | 'libvirt.domains' | 'libvirt.domain' | 'libvirt.networks' | 'boot.verify' | 'boot.screenshot' | 'boot.result'
>;

/** The libvirt domain and boot verification calls. Defining and verifying run as jobs. */
export function libvirtHandlers(deps: EngineDeps): LibvirtHandlers {
  const { tools, jobs, jobsDir } = deps;
  const virsh = { tools };
  return {
    'libvirt.plan': async (request) => planDomain(request, await thisHost(tools)),
    'libvirt.define': async (request) => ({ jobId: await jobs.start(defineJob(request)) }),
    'libvirt.undefine': ({ name, connection }) => undefineDomain(virsh, { connection, name }),
    // Reads take the call's signal: a closed page kills its virsh (a qemu:///system connection
    // can hang on an unresponsive daemon). Undefining is not cut short once asked for.
    'libvirt.domains': ({ connection }, call) => listDomains({ ...virsh, ...call }, connection),
    'libvirt.domain': async ({ name, connection }, call) => {
      const xml = await dumpXml({ ...virsh, ...call }, connection, name, { inactive: true });
      return { domain: parseDomainXml(xml), xml };
    },
    'libvirt.networks': ({ connection }, call) => listNetworks({ ...virsh, ...call }, connection),
    'boot.verify': async (request) => ({ jobId: await jobs.start(verifyBootJob(request, { tools, jobsDir })) }),
    // Job ids and screenshot names are checked by the contract: neither can leave the jobs folder.
    'boot.screenshot': ({ jobId, name }) => readScreenshot(join(jobsDir, jobId), name),
    'boot.result': ({ jobId }) => loadVerification(join(jobsDir, jobId)),
  };
}
