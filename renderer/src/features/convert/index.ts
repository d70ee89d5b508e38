import { createElement } from 'react';
import type { Feature } from '../../app/features';
import { ConvertWizard } from './ConvertWizard';
import { connectConvertFeature } from './store';

export const convertFeature: Feature = {
  id: 'convert',
  label: 'Convert',
  description: 'VMware disks and VMs to qcow2 or raw',
  render: () => createElement(ConvertWizard),
  start: connectConvertFeature,
};
