import type { MigrateResult } from '../../../../shared/contract/api/vcenter';
import { useAppStore } from '../../app/app-store';
import { diskVmFlow, useDiskWizard } from '../domain/flows';

/**
 * After a migration: the Create VM page, with the migrated disks and the VM's metadata from
 * vCenter (CPU, memory, firmware, NICs with their MACs and networks) as its starting point.
 */
export function continueToCreateVm(result: MigrateResult): void {
  diskVmFlow.setTarget({ origin: 'conversion', convertJobId: result.jobId, vm: result.vm, disks: result.outputs.map((o) => ({ path: o.path, format: o.format })) });
  useDiskWizard.setState({ step: 'vm' });
  useAppStore.getState().setFeature('vm');
}
