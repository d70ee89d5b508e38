import type { ReactNode } from 'react';
import { Flex, FlexItem, Progress, ProgressMeasureLocation } from '@patternfly/react-core';
import type { ProgressSnapshot } from '../../../shared/contract/events';
import { describeProgress } from './progress-view';

/**
 * One honest progress bar: percent, bytes done of total, throughput measured over a recent
 * window and the ETA at that rate — or "unknown" while there is no rate to base it on.
 */
export function ProgressPanel({ title, snapshot, testId = 'progress-panel', variant }: { title: string; snapshot: ProgressSnapshot; testId?: string; variant?: 'danger' | 'success' | 'warning' }): ReactNode {
  const text = describeProgress(snapshot);
  return (
    <div data-testid={testId} className="h2k-progress">
      <Progress title={title} value={text.value} label={text.percent} valueText={text.percent} measureLocation={ProgressMeasureLocation.outside} variant={variant} />
      <Flex className="h2k-progress-facts" spaceItems={{ default: 'spaceItemsLg' }}>
        <FlexItem data-testid={`${testId}-percent`}>{text.percent}</FlexItem>
        <FlexItem data-testid={`${testId}-bytes`}>{text.bytes}</FlexItem>
        {text.rate ? <FlexItem data-testid={`${testId}-rate`}>{text.rate}</FlexItem> : null}
        <FlexItem data-testid={`${testId}-eta`}>{text.eta}</FlexItem>
      </Flex>
    </div>
  );
}
