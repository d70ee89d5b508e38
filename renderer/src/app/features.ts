import type { ReactNode } from 'react';
import { batchFeature } from '../features/batch';
import { convertFeature } from '../features/convert';
import { vmFeature } from '../features/domain';
import { reportsFeature } from '../features/reports';
import { vcenterFeature } from '../features/vcenter';

/**
 * The app's features, in navigation order. Each brings its own page and, optionally, a
 * `start` that wires it to the engine once (event subscriptions). A new feature (a source, a
 * tool page) is a folder under features/ that exports one of these and is added below.
 */
export interface Feature {
  id: string;
  label: string;
  description: string;
  render: () => ReactNode;
  start?: () => void;
}

export const FEATURES: readonly Feature[] = [convertFeature, reportsFeature, vmFeature, vcenterFeature, batchFeature];
