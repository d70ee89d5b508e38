import type { ReactNode } from 'react';
import { Alert, Button, ClipboardCopy, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Flex, Title } from '@patternfly/react-core';
import { ConvertedDisksTable } from '../../components/ConvertedDisksTable';
import { describeElapsed } from '../../components/progress-view';
import { ConversionInspection } from '../reports';
import { goTo, resetWizard, useConvertStore } from './store';

export function ResultStep(): ReactNode {
  const outcome = useConvertStore((s) => s.run?.outcome);
  if (outcome?.type !== 'done') return null;
  const result = outcome.result;
  return (
    <div className="h2k-stack" data-testid="result">
      <Alert variant="success" isInline title={`Converted ${result.outputs.length} disk${result.outputs.length === 1 ? '' : 's'} in ${describeElapsed(result.durationMs)}`} />
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
