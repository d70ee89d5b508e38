import { useEffect, useRef, useState } from 'react';
import type { DragEvent, ReactNode } from 'react';
import {
  Button,
  Card,
  CardBody,
  CardTitle,
  Flex,
  Grid,
  GridItem,
  Label,
  LabelGroup,
  PageSection,
  Progress,
  ProgressMeasureLocation,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { FileImportIcon } from '@patternfly/react-icons';
import { appEnvironment } from '../../app/app-store';
import { uiError } from '../../app/errors';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FileBrowser } from '../../components/FileBrowser';
import { estimateText, useInspectionEstimate } from '../../components/inspection-estimate';
import { ReportView } from './ReportView';
import {
  cancelInspection,
  dismissRun,
  openEngineFile,
  openJobReport,
  openLocalFile,
  refreshRecent,
  reportOpenFailed,
  setDisks,
  startInspection,
  useReportsStore,
} from './store';

function pathForFile(): ((file: File) => string) | null {
  const env = appEnvironment();
  return env.mode === 'electron' ? (file) => env.preload.pathForFile(file) : null;
}

function takeFiles(files: FileList | null | undefined): void {
  const list = Array.from(files ?? []);
  if (list.length !== 1) {
    reportOpenFailed(uiError('DROP_UNUSABLE', list.length ? 'Drop one report at a time.' : 'Nothing readable was dropped.', 'Drop the inspection.json of a job, or a report exported as JSON.'));
    return;
  }
  void openLocalFile(list[0]!, pathForFile());
}

/** Open a saved report: dropped here, picked on this computer, or chosen on the engine's machine. */
function OpenReportCard(): ReactNode {
  const opening = useReportsStore((s) => s.opening);
  const error = useReportsStore((s) => s.openError);
  const [dragging, setDragging] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  // The window refuses drops everywhere else (main.tsx): this target takes them first.
  const over = (e: DragEvent): void => {
    if (!Array.from(e.dataTransfer.types).includes('Files')) return;
    e.preventDefault();
    e.stopPropagation();
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  return (
    <Card isFullHeight>
      <CardTitle>Open a saved report</CardTitle>
      <CardBody className="h2k-stack">
        <div
          className={`h2k-report-drop${dragging ? ' h2k-report-drop--active' : ''}`}
          data-testid="report-drop"
          onDragEnter={over}
          onDragOver={over}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            e.stopPropagation();
            setDragging(false);
            takeFiles(e.dataTransfer.files);
          }}
        >
          <FileImportIcon className="h2k-drop-icon" />
          <p>Drop an inspection report (JSON) here: it opens as it was saved, without inspecting again.</p>
          <Flex justifyContent={{ default: 'justifyContentCenter' }} spaceItems={{ default: 'spaceItemsSm' }}>
            <Button variant="secondary" onClick={() => input.current?.click()} isLoading={opening} data-testid="report-pick">
              Choose a report file…
            </Button>
            <Button variant="link" onClick={() => setBrowsing(true)} data-testid="report-browse">
              Open a report on the engine's machine…
            </Button>
          </Flex>
          <input
            ref={input}
            type="file"
            accept=".json,application/json"
            hidden
            data-testid="report-file-input"
            onChange={(e) => {
              takeFiles(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
        </div>
        {error ? <ErrorAlert error={error} title="This report cannot be opened" /> : null}
        <FileBrowser
          isOpen={browsing}
          mode="source"
          startPath="~"
          title="Open which report (JSON)?"
          onPick={(path) => {
            setBrowsing(false);
            void openEngineFile(path);
          }}
          onClose={() => setBrowsing(false)}
        />
      </CardBody>
    </Card>
  );
}

/** Inspect any disk (or the disks of one VM) on the engine's machine, read-only. */
function InspectCard(): ReactNode {
  const disks = useReportsStore((s) => s.disks);
  const starting = useReportsStore((s) => s.starting);
  const startError = useReportsStore((s) => s.startError);
  const run = useReportsStore((s) => s.run);
  const cancelling = useReportsStore((s) => s.cancelling);
  const [typed, setTyped] = useState('');
  const [browsing, setBrowsing] = useState(false);
  const estimate = useInspectionEstimate();
  const running = starting || (run !== null && run.outcome === null);
  const add = (path: string): void => {
    if (path.trim()) setDisks([...disks, path.trim()]);
    setTyped('');
  };
  return (
    <Card isFullHeight>
      <CardTitle>Inspect a disk</CardTitle>
      <CardBody className="h2k-stack">
        <p className="h2k-muted">
          Any disk image on the engine's machine (VMDK, qcow2, raw…). Add every disk of one VM, in order: they are opened together, read-only, in one inspection appliance ({estimateText(estimate)}).
        </p>
        <form
          className="h2k-path-form"
          onSubmit={(e) => {
            e.preventDefault();
            add(typed);
          }}
        >
          <TextInput aria-label="Disk path" placeholder="/path/to/disk.vmdk" value={typed} onChange={(_e, v) => setTyped(v)} isDisabled={running} data-testid="inspect-path" />
          <Button type="submit" variant="secondary" isDisabled={running || !typed.trim()} data-testid="inspect-add">
            Add
          </Button>
          <Button variant="secondary" onClick={() => setBrowsing(true)} isDisabled={running} data-testid="inspect-browse">
            Browse…
          </Button>
        </form>
        {disks.length ? (
          <LabelGroup numLabels={8} data-testid="inspect-disks">
            {disks.map((d) => (
              <Label key={d} onClose={running ? undefined : () => setDisks(disks.filter((x) => x !== d))} data-testid="inspect-disk" data-path={d}>
                {d}
              </Label>
            ))}
          </LabelGroup>
        ) : null}
        <Flex spaceItems={{ default: 'spaceItemsSm' }}>
          <Button variant="primary" onClick={() => void startInspection()} isDisabled={!disks.length || running} isLoading={running} data-testid="inspect-start">
            {running ? 'Inspecting…' : 'Inspect'}
          </Button>
          {running && run ? (
            <Button variant="link" onClick={() => void cancelInspection()} isDisabled={cancelling} data-testid="inspect-cancel">
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </Button>
          ) : null}
        </Flex>
        {run ? (
          <div data-testid="inspect-run" data-outcome={run.outcome?.type ?? 'running'} className="h2k-stack">
            {run.outcome === null ? (
              <Progress title={run.step ?? 'Starting'} value={Math.round(run.fraction * 100)} measureLocation={ProgressMeasureLocation.outside} aria-label="Inspection progress" />
            ) : null}
            {run.outcome?.type === 'failed' ? <ErrorAlert error={run.outcome.error} title="The inspection failed" actions={[{ label: 'Dismiss', onClick: dismissRun }]} /> : null}
            {run.outcome?.type === 'cancelled' ? <p data-testid="inspect-cancelled">The inspection was cancelled; the disks were never written to.</p> : null}
            {run.log.length ? (
              <div className="h2k-log" data-testid="inspect-log">
                {run.log.slice(-8).map((l, i) => (
                  <div key={i} className={l.level === 'warn' ? 'h2k-log-warn' : l.level === 'error' ? 'h2k-log-error' : undefined}>
                    {l.message}
                  </div>
                ))}
              </div>
            ) : null}
          </div>
        ) : null}
        {startError ? <ErrorAlert error={startError} title="The inspection could not start" /> : null}
        <FileBrowser
          isOpen={browsing}
          mode="source"
          startPath="~"
          title="Inspect which disk?"
          onPick={(path) => {
            setBrowsing(false);
            add(path);
          }}
          onClose={() => setBrowsing(false)}
        />
      </CardBody>
    </Card>
  );
}

function RecentReports(): ReactNode {
  const recent = useReportsStore((s) => s.recent);
  if (!recent.length) return null;
  return (
    <Card>
      <CardTitle>Reports of this session</CardTitle>
      <CardBody>
        <ul className="h2k-recent" data-testid="recent-reports">
          {recent.map((job) => (
            <li key={job.jobId}>
              <Button variant="link" isInline onClick={() => void openJobReport(job.jobId)} data-testid="recent-report" data-job-id={job.jobId}>
                {job.title}
              </Button>{' '}
              <span className="h2k-muted">{new Date(job.endedAt ?? job.startedAt).toLocaleString()}</span>
            </li>
          ))}
        </ul>
      </CardBody>
    </Card>
  );
}

/** The Reports page: inspect a disk or open a saved report; then the report itself. */
export function ReportsPage(): ReactNode {
  const report = useReportsStore((s) => s.report);
  useEffect(() => {
    if (!report) void refreshRecent();
  }, [report]);
  return (
    <PageSection isFilled data-testid="reports-page">
      {report ? (
        <ReportView report={report} />
      ) : (
        <div className="h2k-stack" data-testid="reports-home">
          <Title headingLevel="h1">Inspection reports</Title>
          <Grid hasGutter>
            <GridItem md={6}>
              <InspectCard />
            </GridItem>
            <GridItem md={6}>
              <OpenReportCard />
            </GridItem>
          </Grid>
          <RecentReports />
        </div>
      )}
    </PageSection>
  );
}
