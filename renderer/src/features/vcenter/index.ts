import { createElement } from 'react';
import type { Feature } from '../../app/features';
import { connectVcenterFeature } from './store';
import { VcenterPage } from './VcenterPage';

export const vcenterFeature: Feature = {
  id: 'vcenter',
  label: 'vCenter',
  description: 'Log in to vCenter or ESXi, find VMs, check them and migrate them',
  render: () => createElement(VcenterPage),
  start: connectVcenterFeature,
};
