import type { ReactNode } from 'react';
import { Alert, Button, Card, CardBody, CardTitle, Flex, FlexItem, Label } from '@patternfly/react-core';
import type { ConvertResult } from '../../../../shared/contract/models/convert';
import { countsText, groupFindings, osTitle, VERDICTS } from './report-model';
import { viewReportFrom } from './store';
import type { RepairRecord } from '../../../../shared/contract/models/repair';
import { outcomeView } from '../repair/repair-view';

function RepairSummary({ record }: { record: RepairRecord }): ReactNode {
  const view = outcomeView(record);
  return <Alert variant={view.variant} isInline isPlain title={view.headline} data-testid="conversion-repair" data-applied={record.applied} />;
}

/**
 * The inspection of a conversion's outputs, on the wizard's Result step: the verdict, the
 * counts and the most serious findings, and the way to the full report.
 */
export function ConversionInspection({ result, feature = 'convert' }: { result: Pick<ConvertResult, 'jobId' | 'inspection' | 'inspectionError' | 'repair'>; feature?: string }): ReactNode {
  if (result.inspectionError) {
    return (
      <Alert variant="warning" isInline title="The converted disks could not be inspected" data-testid="conversion-inspection-failed">
        <p>{result.inspectionError.message}</p>
        {result.inspectionError.hint ? <p>{result.inspectionError.hint}</p> : null}
      </Alert>
    );
  }
  const report = result.inspection;
  if (!report) return null;
  const verdict = VERDICTS[report.summary.readiness];
  const top = groupFindings(report.findings)
    .flatMap((g) => g.findings)
    .slice(0, 3);
  return (
    <Card data-testid="conversion-inspection" data-readiness={report.summary.readiness}>
      <CardTitle>Inspection: {osTitle(report)}</CardTitle>
      <CardBody className="h2k-stack">
        {result.repair ? <RepairSummary record={result.repair} /> : null}
        <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsMd' }}>
          <FlexItem>
            <Label color={verdict.color}>{verdict.label}</Label>
          </FlexItem>
          <FlexItem>{countsText(report.summary)}</FlexItem>
        </Flex>
        {top.length ? (
          <ul className="h2k-top-findings">
            {top.map((f, i) => (
              <li key={`${f.code}-${i}`}>
                <strong>{f.severity}</strong> {f.title}
              </li>
            ))}
          </ul>
        ) : null}
        <div>
          <Button variant="secondary" onClick={() => viewReportFrom(feature, report, { kind: 'job', jobId: result.jobId })} data-testid="view-inspection-report">
            View inspection report
          </Button>
        </div>
      </CardBody>
    </Card>
  );
}
