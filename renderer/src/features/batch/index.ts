import { createElement } from 'react';
import type { Feature } from '../../app/features';
import { BatchPage } from './BatchPage';
import { connectBatchFeature } from './store';
import './batch.css';

export const batchFeature: Feature = {
  id: 'batch',
  label: 'Batch',
  description: 'Migrate many VMs from a YAML plan: check it, run it, watch it, resume it',
  render: () => createElement(BatchPage),
  start: connectBatchFeature,
};
