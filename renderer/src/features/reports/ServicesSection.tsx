import { useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, Flex, FlexItem, FormSelect, FormSelectOption, Label, Title } from '@patternfly/react-core';
import type { InspectionReport, UnitFile } from '../../../../shared/contract/models/inspection';
import {
  BOOT_COLUMNS,
  bootRows,
  bootTimeline,
  CHAIN_COLUMNS,
  chainEmptyText,
  chainRows,
  JOURNAL_ERROR_COLUMNS,
  journalErrorRows,
  journalFacts,
  journalStatement,
  LOGIN_COLUMNS,
  loginRows,
  SERVICES_STATE_TEXT,
  servicesState,
  SOCKET_COLUMNS,
  socketRows,
  sortedUnits,
  TIMER_COLUMNS,
  timerRows,
  UNIT_COLUMNS,
  unitCells,
  unitSummary,
} from '../../../../shared/report-facts-services';
import { Facts, SimpleTable } from './parts';
import type { Column } from './report-model';
import { ALL, filterUnits, unitStateOptions, unitTypeOptions } from './services-model';
import { VirtualTable } from './VirtualTable';

/**
 * The "Services and logs" tab of a Linux guest: whether the default target pulls in the units
 * repair cares about, systemd's unit files (filtered by state, type and text), timers, sockets, the persistent journal (boots, the last boot's startup time, failed
 * units, errors) and recent logins. Words and rows come from shared/report-facts-services, the
 * same the HTML export prints. The unit table is the virtualized plain-text table: a guest can
 * have 500 unit files and the filters re-run on every keystroke.
 */

// Columns from the shared cells, so the viewer's unit rows are the export's unit rows.
const UNIT_TABLE: ReadonlyArray<Column<UnitFile>> = UNIT_COLUMNS.map((label, i) => ({
  id: ['unit', 'type', 'state', 'wantedBy', 'description'][i]!,
  label,
  value: (u: UnitFile) => unitCells(u)[i]!,
  width: [3, 1, 1, 2, 4][i],
  mono: i === 0,
}));

function UnitTable({ report }: { report: InspectionReport }): ReactNode {
  const units = useMemo(() => sortedUnits(report), [report]);
  const [state, setState] = useState(ALL);
  const [type, setType] = useState(ALL);
  const shown = useMemo(() => filterUnits(units, { state, type }), [units, state, type]);
  const states = useMemo(() => unitStateOptions(units), [units]);
  const types = useMemo(() => unitTypeOptions(units), [units]);
  return (
    <div className="h2k-stack" data-testid="unit-files">
      <p className="h2k-muted" data-testid="unit-summary">
        {unitSummary(report)}
      </p>
      <Flex spaceItems={{ default: 'spaceItemsMd' }} alignItems={{ default: 'alignItemsCenter' }}>
        <FlexItem>
          <FormSelect value={state} onChange={(_e, v) => setState(v)} aria-label="Filter units by state" data-testid="unit-filter-state">
            {states.map((o) => (
              <FormSelectOption key={o.value} value={o.value} label={o.label} />
            ))}
          </FormSelect>
        </FlexItem>
        <FlexItem>
          <FormSelect value={type} onChange={(_e, v) => setType(v)} aria-label="Filter units by type" data-testid="unit-filter-type">
            {types.map((o) => (
              <FormSelectOption key={o.value} value={o.value} label={o.label} />
            ))}
          </FormSelect>
        </FlexItem>
      </Flex>
      <VirtualTable rows={shown} columns={UNIT_TABLE} label="unit files" testId="units" height={360} emptyText="No unit file in this state and type." />
    </div>
  );
}

function BootTimeline({ report }: { report: InspectionReport }): ReactNode {
  const spans = bootTimeline(report);
  if (!spans.length) return null;
  return (
    <div className="h2k-boot-timeline" role="img" aria-label={spans.map((s) => s.label).join('; ')} data-testid="boot-timeline">
      {spans.map((s) => (
        <div key={s.index} className={`h2k-boot-span${s.index === 0 ? ' h2k-boot-span-last' : ''}`} style={{ left: `${s.left}%`, width: `${s.width}%` }} title={s.label}>
          {s.index}
        </div>
      ))}
    </div>
  );
}

function Journal({ report }: { report: InspectionReport }): ReactNode {
  const statement = journalStatement(report);
  if (statement) {
    return (
      <p data-testid="journal-statement" className="h2k-muted">
        {statement}
      </p>
    );
  }
  const failed = report.linux?.journal?.lastBoot?.failedUnits ?? [];
  return (
    <div className="h2k-stack" data-testid="journal">
      <Facts rows={journalFacts(report)} testId="journal-facts" />
      {failed.length ? (
        <p data-testid="journal-failed">
          {failed.map((u) => (
            <Label key={u} color="red" isCompact className="h2k-nowrap">
              {u} failed
            </Label>
          ))}
        </p>
      ) : null}
      <Title headingLevel="h4">Boots</Title>
      <BootTimeline report={report} />
      <SimpleTable label="Boots in the journal" testId="journal-boots" head={BOOT_COLUMNS} rows={bootRows(report)} empty="No boot recorded." />
      <Title headingLevel="h4">Errors of the last boot</Title>
      <SimpleTable label="Errors of the last boot" testId="journal-errors" head={JOURNAL_ERROR_COLUMNS} rows={journalErrorRows(report)} empty="No error in the last boot." />
    </div>
  );
}

export function ServicesSection({ report }: { report: InspectionReport }): ReactNode {
  const state = servicesState(report);
  return (
    <div className="h2k-stack" data-testid="services-tab" data-state={state}>
      {state === 'read' ? null : <Alert variant="info" isInline isPlain title={SERVICES_STATE_TEXT[state]} data-testid="services-not-read" />}
      {state === 'read' ? (
        <>
          <Title headingLevel="h3">Reached at boot</Title>
          <SimpleTable label="Reached at boot" testId="unit-chains" head={CHAIN_COLUMNS} rows={chainRows(report)} empty={chainEmptyText(report)} />
          <Title headingLevel="h3">Unit files</Title>
          <UnitTable report={report} />
          <Title headingLevel="h3">Timers</Title>
          <SimpleTable label="Timers" testId="timers" head={TIMER_COLUMNS} rows={timerRows(report)} empty="No timer." />
          <Title headingLevel="h3">Sockets</Title>
          <SimpleTable label="Sockets" testId="sockets" head={SOCKET_COLUMNS} rows={socketRows(report)} empty="No socket." />
          <Title headingLevel="h3">Journal</Title>
          <Journal report={report} />
        </>
      ) : null}
      <Title headingLevel="h3">Recent logins</Title>
      <SimpleTable label="Recent logins" testId="logins" head={LOGIN_COLUMNS} rows={loginRows(report)} empty={state === 'read' ? 'No login recorded in /var/log/wtmp.' : 'Not read.'} />
    </div>
  );
}
