import type { ReactNode } from 'react';
import { Alert, Button, ClipboardCopy, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Flex, Title } from '@patternfly/react-core';
import { ConvertedDisksTable } from '../../components/ConvertedDisksTable';
import { countText, describeElapsed } from '../../components/progress-view';
import { ConversionInspection } from '../reports';
import { goTo, resetWizard, useConvertStore } from './store';

export function ResultStep(): ReactNode {
  const outcome = useConvertStore((s) => s.run?.outcome);
  const stages = useConvertStore((s) => s.run?.stages ?? []);
  if (outcome?.type !== 'done') return null;
  const result = outcome.result;
  // The same time as the table's Time column (the conversion of each disk); the rest of the job
  // (checks, the inspection) is said apart, not folded into "converted in".
  const converting = result.outputs.reduce((sum, o) => sum + o.durationMs, 0);
  const timed = stages.filter((s) => s.durationMs !== null);
  return (
    <div className="h2k-stack" data-testid="result">
      <Alert variant="success" isInline title={`Converted ${countText(result.outputs.length, 'disk')} in ${describeElapsed(converting)}`} data-testid="result-title">
        <p data-testid="result-timing">
          The whole job took {describeElapsed(result.durationMs)}
          {timed.length > 0 ? `: ${timed.map((s) => `${s.label.toLowerCase()} ${describeElapsed(s.durationMs!)}`).join(', ')}` : ''}.
        </p>
      </Alert>
      <Title headingLevel="h2">Result</Title>
      <ConvertedDisksTable outputs={result.outputs} rowTestId="result-output" showThroughput />
      <DescriptionList isHorizontal isCompact>
        <DescriptionListGroup>
          <DescriptionListTerm>Job record</DescriptionListTerm>
          <DescriptionListDescription>
            <ClipboardCopy isReadOnly hoverTip="Copy" clickTip="Copied" data-testid="record-path">
              {result.recordPath}
            </ClipboardCopy>
          </DescriptionListDescription>
        </DescriptionListGroup>
      </DescriptionList>
      <ConversionInspection result={result} />
      <Flex>
        <Button variant="primary" onClick={() => goTo('vm')} data-testid="create-vm">
          Create VM
        </Button>
        <Button variant="secondary" onClick={resetWizard} data-testid="convert-another">
          Convert another
        </Button>
      </Flex>
    </div>
  );
}
