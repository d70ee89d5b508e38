import { createElement } from 'react';
import type { Feature } from '../../app/features';
import { connectVmFlows } from './flows';
import { VmWizard } from './VmWizard';

export { ConvertContinuation } from './ConvertContinuation';
export { convertVmFlow, migrateVmFlow } from './flows';

export const vmFeature: Feature = {
  id: 'vm',
  label: 'Create VM',
  description: 'Define a libvirt VM for a converted disk and prove that it boots',
  render: () => createElement(VmWizard),
  start: connectVmFlows,
};
