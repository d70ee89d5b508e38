import type { InspectionReport } from './contract/models/inspection';
import type { GuestFacts } from './contract/models/libvirt';

const WINDOWS_VIRTIO_STORAGE = new Set(['viostor', 'vioscsi']);

/**
 * The facts the domain planner uses, read from an inspection report: the same for the wizard's
 * Create VM step and for a job's own define and verify-boot stages. `inspected` says they come
 * from an inspection (os "unknown" then means none was found); a virtio answer is given only
 * when the inspection could tell.
 */
export function guestFactsFromReport(report: InspectionReport): GuestFacts {
  const type = report.os.type;
  const os: GuestFacts['os'] = type === 'linux' || type === 'windows' ? type : type === 'unknown' ? 'unknown' : 'other';
  let virtioDrivers: boolean | undefined;
  if (report.linux && report.linux.kernels.length > 0) {
    const kernels = report.linux.kernels.map((k) => k.virtioBootable);
    if (kernels.some((v) => v === true)) virtioDrivers = true;
    else if (kernels.every((v) => v === false)) virtioDrivers = false;
  } else if (report.windows) {
    const drivers = report.windows.storageDrivers.filter((d) => WINDOWS_VIRTIO_STORAGE.has(d.service.toLowerCase()));
    virtioDrivers = drivers.some((d) => d.present && (d.start === 'boot' || d.start === 'system'));
  }
  return { os, inspected: true, ...(virtioDrivers !== undefined ? { virtioDrivers } : {}) };
}
