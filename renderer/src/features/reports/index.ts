import { createElement } from 'react';
import type { Feature } from '../../app/features';
import { ReportsPage } from './ReportsPage';
import { connectReportsFeature } from './store';
import './reports.css';

export { ConversionInspection } from './ConversionInspection';

export const reportsFeature: Feature = {
  id: 'reports',
  label: 'Reports',
  description: 'Inspect any disk, and view, open and export inspection reports',
  render: () => createElement(ReportsPage),
  start: connectReportsFeature,
};
