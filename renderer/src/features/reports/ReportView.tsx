import { useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import {
  Button,
  Card,
  CardBody,
  CardTitle,
  Flex,
  FlexItem,
  Grid,
  GridItem,
  Label,
  Tab,
  Tabs,
  TabTitleText,
  Title,
} from '@patternfly/react-core';
import type { Finding, InspectionReport, Severity } from '../../../../shared/contract/models/inspection';
import { formatBytes } from '../../../../shared/format';
import { PathText } from '../../components/PathText';
import { BootSection } from './BootSection';
import { RepairRecordView } from '../repair';
import { FindingsChart, PartitionLayout, UsageChart } from './charts';
import { ExportBar } from './ExportBar';
import { FilesystemsSection } from './FilesystemsSection';
import { Facts, SimpleTable } from './parts';
import { ServicesSection } from './ServicesSection';
import { applicationColumns, bootloaderFacts, countsText, identityFacts, USER_COLUMNS, userRows, driverRows, evidenceText, groupFindings, osFacts, osTitle, serviceRows, shortDevice, VERDICTS } from './report-model';
import type { Column, FactRow, ServiceRow } from './report-model';
import { closeReport, goBack, useReportsStore } from './store';
import type { ReportOrigin } from './store';
import { VirtualTable } from './VirtualTable';

const SEVERITY_COLOR: Record<Severity, 'red' | 'orange' | 'blue'> = { blocker: 'red', warning: 'orange', info: 'blue' };
const bytes = (n: number | null): string => (n === null ? '—' : formatBytes(n));

function originText(origin: ReportOrigin | null): string {
  if (!origin) return '';
  if (origin.kind === 'job') return `job ${origin.jobId}`;
  if (origin.kind === 'engine-file') return origin.path;
  return origin.path ?? origin.name;
}

function Overview({ report }: { report: InspectionReport }): ReactNode {
  const verdict = VERDICTS[report.summary.readiness];
  return (
    <Grid hasGutter>
      <GridItem md={6}>
        <Card isFullHeight>
          <CardTitle>Migration readiness</CardTitle>
          <CardBody className="h2k-stack">
            <div>
              <Label color={verdict.color} className="h2k-verdict" data-testid="report-verdict" data-readiness={report.summary.readiness}>
                {verdict.label}
              </Label>
            </div>
            <p>{verdict.text}</p>
            <Flex spaceItems={{ default: 'spaceItemsLg' }} data-testid="report-counts">
              <FlexItem className="h2k-count h2k-count-blocker" data-testid="count-blockers" data-count={report.summary.blockers}>
                <strong>{report.summary.blockers}</strong> blocker{report.summary.blockers === 1 ? '' : 's'}
              </FlexItem>
              <FlexItem className="h2k-count h2k-count-warning" data-testid="count-warnings" data-count={report.summary.warnings}>
                <strong>{report.summary.warnings}</strong> warning{report.summary.warnings === 1 ? '' : 's'}
              </FlexItem>
              <FlexItem className="h2k-count h2k-count-info" data-testid="count-infos" data-count={report.summary.infos}>
                <strong>{report.summary.infos}</strong> note{report.summary.infos === 1 ? '' : 's'}
              </FlexItem>
            </Flex>
            <FindingsChart report={report} />
          </CardBody>
        </Card>
      </GridItem>
      <GridItem md={6}>
        <Card isFullHeight>
          <CardTitle>Operating system</CardTitle>
          <CardBody>
            <Facts rows={osFacts(report)} testId="os-facts" />
          </CardBody>
        </Card>
      </GridItem>
      <GridItem md={12}>
        <Card>
          <CardTitle>Disks</CardTitle>
          <CardBody>
            <SimpleTable
              label="Disks"
              head={['Disk', 'Image', 'Format', 'Virtual size', 'Allocated', 'Partition table']}
              rows={report.disks.map((d) => [d.id, <code key="p">{d.path}</code>, d.format, bytes(d.virtualSize), bytes(d.allocatedSize), d.partitionTable])}
            />
          </CardBody>
        </Card>
      </GridItem>
    </Grid>
  );
}

function FindingItem({ finding: f }: { finding: Finding }): ReactNode {
  return (
    <div className={`h2k-finding h2k-finding-${f.severity}`} data-testid="finding" data-code={f.code} data-severity={f.severity}>
      <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsSm' }}>
        <FlexItem>
          <Title headingLevel="h4">{f.title}</Title>
        </FlexItem>
        <FlexItem>
          <Label isCompact variant="outline">
            {f.code}
          </Label>
        </FlexItem>
        {f.osRoot ? <FlexItem className="h2k-muted">{f.osRoot}</FlexItem> : null}
      </Flex>
      <p>{f.explanation}</p>
      {f.evidence.length ? (
        <ul className="h2k-evidence" data-testid="finding-evidence">
          {f.evidence.map((ev, i) => {
            const t = evidenceText(ev);
            return (
              <li key={i}>
                {t.where ? <code>{t.where}</code> : null} {t.excerpt ? <span className="h2k-mono">{t.excerpt}</span> : null} {t.note ? <span className="h2k-muted">{t.note}</span> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      <p className="h2k-fix" data-testid="finding-fix" data-fix={f.fix.id} data-automatic={f.fix.automatic}>
        <strong>Fix:</strong> {f.fix.label}{' '}
        <Label isCompact color={f.fix.automatic ? 'green' : 'grey'}>
          {f.fix.automatic ? 'hyper2kvm does this' : 'needs the administrator'}
        </Label>
      </p>
    </div>
  );
}

function Findings({ report }: { report: InspectionReport }): ReactNode {
  const groups = groupFindings(report.findings);
  if (!groups.length) return <p data-testid="no-findings">No findings: nothing needs attention before this guest runs on KVM.</p>;
  return (
    <div className="h2k-stack" data-testid="findings">
      {groups.map((g) => (
        <section key={g.severity} data-testid="finding-group" data-severity={g.severity}>
          <Title headingLevel="h3" className="h2k-group-title">
            <Label color={SEVERITY_COLOR[g.severity]}>{g.findings.length}</Label> {g.label}
          </Title>
          {g.findings.map((f, i) => (
            <FindingItem key={`${f.code}-${i}`} finding={f} />
          ))}
        </section>
      ))}
    </div>
  );
}

function Storage({ report }: { report: InspectionReport }): ReactNode {
  const fsByDevice = new Map(report.filesystems.map((f) => [f.device, f]));
  return (
    <div className="h2k-stack" data-testid="storage">
      <Title headingLevel="h3">File system usage</Title>
      <UsageChart report={report} />
      {report.disks.map((d) => (
        <section key={d.id} className="h2k-stack">
          <Title headingLevel="h3">
            {d.id} <span className="h2k-muted h2k-mono">{d.path}</span>
          </Title>
          <p className="h2k-muted">
            {d.format}, {bytes(d.virtualSize)} virtual, {bytes(d.allocatedSize)} allocated, {d.partitionTable === 'none' ? 'no partition table' : `${d.partitionTable.toUpperCase()} partition table`}; {d.device} in the inspection appliance
          </p>
          <PartitionLayout disk={d} filesystems={report.filesystems} />
          <SimpleTable
            label={`Partitions of ${d.id}`}
            head={['Partition', 'Start', 'Size', 'Type', 'Name', 'File system']}
            rows={d.partitions.map((p) => [<code key="d">{p.device}</code>, bytes(p.start), bytes(p.size), `${p.typeName ?? p.type ?? ''}${p.bootable ? ' (boot)' : ''}`, p.name ?? '', fsByDevice.get(p.device)?.type ?? ''])}
            empty="No partitions."
          />
        </section>
      ))}
      <Title headingLevel="h3">File systems</Title>
      <SimpleTable
        label="File systems"
        testId="filesystems"
        head={['Device', 'Type', 'Label', 'UUID', 'Mounted at', 'Size', 'Used', 'Free']}
        rows={report.filesystems.map((f) => [
          <code key="d">{f.device}</code>,
          <>
            {f.type} {f.encrypted ? <Label isCompact color="purple">encrypted</Label> : null}
          </>,
          f.label ?? '',
          <span key="u" className="h2k-mono">
            {f.uuid ?? ''}
          </span>,
          f.mountpoint ?? report.driveLetters.find((l) => l.device === f.device)?.letter ?? '',
          bytes(f.size),
          bytes(f.used),
          bytes(f.free),
        ])}
        empty="No file system found."
      />
      {report.mountpoints.length ? (
        <>
          <Title headingLevel="h3">Mountpoints</Title>
          <SimpleTable label="Mountpoints" head={['Path', 'Device']} rows={report.mountpoints.map((m) => [m.path, <code key="d">{m.device}</code>])} />
        </>
      ) : null}
      {report.driveLetters.length ? (
        <>
          <Title headingLevel="h3">Drive letters</Title>
          <SimpleTable label="Drive letters" head={['Letter', 'Device']} rows={report.driveLetters.map((l) => [`${l.letter}:`, <code key="d">{l.device}</code>])} />
        </>
      ) : null}
    </div>
  );
}

/** Addresses and the like: each kept whole on its line ("10.20.30.40/24", never "10.20.30.40/2⏎4"). */
function Values({ values }: { values: readonly string[] }): ReactNode {
  return values.map((v, i) => (
    <span key={v} className="h2k-nowrap" data-testid="value">
      {v}
      {i < values.length - 1 ? ', ' : ''}
    </span>
  ));
}

function Network({ report }: { report: InspectionReport }): ReactNode {
  return (
    <SimpleTable
      label="Network configuration"
      testId="network"
      head={['Tool', 'Interface', 'Method', 'Addresses', 'Gateway', 'DNS', 'Pinned MAC', 'Where']}
      rows={report.network.map((n) => [
        n.source,
        n.setsName ? `${n.interface ?? ''} → ${n.setsName}` : (n.interface ?? ''),
        n.method,
        <Values key="a" values={n.addresses} />,
        <Values key="g" values={n.gateway ? [n.gateway] : []} />,
        <Values key="d" values={n.dns} />,
        n.mac ? <span className="h2k-mono h2k-nowrap">{n.mac}</span> : '',
        <PathText key="w" path={`${n.file}${n.line ? `:${n.line}` : ''}`} />,
      ])}
      empty="No network configuration found."
    />
  );
}

const SERVICE_COLUMNS: ReadonlyArray<Column<ServiceRow>> = [
  { id: 'unit', label: 'Unit', value: (u) => u.unit, width: 2 },
  { id: 'wantedBy', label: 'Wanted by', value: (u) => u.wantedBy, width: 2 },
  { id: 'path', label: 'Link', value: (u) => u.path, width: 4, mono: true },
];

const VIRTIO_COLOR = { 'in-initramfs': 'green', 'built-in': 'green', missing: 'red', unknown: 'grey' } as const;

function LinuxDetails({ report }: { report: InspectionReport }): ReactNode {
  const l = report.linux!;
  const bl = l.bootloader;
  const services = useMemo(() => serviceRows(report), [report]);
  return (
    <div className="h2k-stack" data-testid="linux-details">
      <Title headingLevel="h3">Services</Title>
      <Facts
        rows={[
          ['Default target', l.systemd?.defaultTarget ?? (l.systemd ? 'unknown' : 'no systemd')],
          ['VMware Tools', l.vmwareTools.present ? 'installed' : 'not found'],
          ['cloud-init', l.cloudInit.present ? `installed${l.cloudInit.disabled ? ' (disabled)' : ''}${l.cloudInit.datasources.length ? `, data sources ${l.cloudInit.datasources.join(', ')}` : ''}` : 'not found'],
          ['SELinux', `${l.selinux.mode}${l.selinux.policy ? ` (${l.selinux.policy})` : ''}`],
        ]}
      />
      <VirtualTable rows={services} columns={SERVICE_COLUMNS} label="enabled units" testId="services" height={300} emptyText="No enabled systemd units found." />
      <Title headingLevel="h3">fstab</Title>
      <SimpleTable
        label="fstab"
        head={['Line', 'Device', 'Style', 'Mountpoint', 'Type', 'Options']}
        rows={l.fstab.map((f) => [f.line, <code key="s">{f.spec}</code>, f.style, f.mountpoint, f.vfstype, f.options])}
        empty="No /etc/fstab entries."
      />
      {identityFacts(report).length ? (
        <>
          <Title headingLevel="h3">Identity</Title>
          <Facts rows={identityFacts(report)} testId="linux-identity" />
        </>
      ) : null}
      <Title headingLevel="h3">Accounts that can log in</Title>
      <SimpleTable label="Accounts that can log in" head={USER_COLUMNS} rows={userRows(report)} empty="No account with a login shell (or /etc/passwd was not read)." testId="linux-users" />
      <Title headingLevel="h3">Boot loader</Title>
      <Facts rows={bootloaderFacts(report)} />
      <SimpleTable
        label="Boot entries"
        head={['Entry', 'Kernel', 'Initramfs', 'Command line']}
        rows={bl.entries.map((b) => [b.title, <code key="k">{b.kernel ?? ''}</code>, <code key="i">{b.initrd ?? ''}</code>, <span key="c" className="h2k-mono">{b.cmdline}</span>])}
        empty="No boot entries found."
      />
      <Title headingLevel="h3">Kernels</Title>
      <SimpleTable
        label="Kernels"
        head={['Version', 'Initramfs', 'virtio_pci', 'virtio_blk', 'virtio_scsi', 'Boots from virtio']}
        rows={l.kernels.map((k) => [
          k.version,
          <code key="i">{k.initramfs ?? 'none'}</code>,
          ...(['virtio_pci', 'virtio_blk', 'virtio_scsi'] as const).map((m) => (
            <Label key={m} isCompact color={VIRTIO_COLOR[k.virtio[m] ?? 'unknown']}>
              {k.virtio[m] ?? 'unknown'}
            </Label>
          )),
          k.virtioBootable === null ? 'unknown' : k.virtioBootable ? 'yes' : 'no',
        ])}
        empty="No kernels found in /boot."
      />
    </div>
  );
}

const ENV_COLUMNS: ReadonlyArray<Column<{ name: string; value: string }>> = [
  { id: 'name', label: 'Name', value: (v) => v.name, width: 1 },
  { id: 'value', label: 'Value', value: (v) => v.value, width: 3, mono: true },
];

function WindowsDetails({ report }: { report: InspectionReport }): ReactNode {
  const w = report.windows!;
  const drivers = driverRows(report);
  return (
    <div className="h2k-stack" data-testid="windows-details">
      <Facts
        rows={(
          [
            ['Product', w.productName ?? ''],
            ['Edition', w.editionId ?? ''],
            ['Installation type', w.installationType ?? ''],
            ['Build', w.build ? `${w.build}${w.ubr !== null ? `.${w.ubr}` : ''}` : ''],
            ['Release', w.displayVersion ?? ''],
            ['Installed', w.installDate ?? ''],
            ['Registered owner', w.registeredOwner ?? ''],
            ['Domain', w.domain ?? ''],
            ['System root', w.systemRoot ?? ''],
            ['Control set', w.controlSet ?? ''],
            ['VMware Tools', w.vmwareTools.present ? 'installed' : 'not found'],
            ['Group Policy', w.groupPolicy.present ? 'applied' : 'none found'],
            ['Antivirus', w.antivirus.map((a) => a.name).join(', ') || 'none found'],
            ['Hibernation', w.hibernation.hibernated ? 'HIBERNATED' : w.hibernation.hiberfilPresent ? 'hiberfil.sys present, not hibernated' : 'no hiberfil.sys'],
            ['Fast Startup', w.hibernation.fastStartup === null ? '' : w.hibernation.fastStartup ? 'on' : 'off'],
          ] as FactRow[]
        ).filter(([, v]) => v)}
      />
      {w.firstBoot ? (
        <>
          <Title headingLevel="h3">First-boot actions</Title>
          <p>
            Log: <code>{w.firstBoot.logPath}</code>
          </p>
          {w.firstBoot.log === null ? (
            <p className="h2k-muted" data-testid="firstboot-waiting">
              Waiting for the first boot on KVM: the actions run once, as SYSTEM, before the logon screen.
            </p>
          ) : (
            <pre className="h2k-diff" data-testid="firstboot-log">
              {w.firstBoot.log}
            </pre>
          )}
        </>
      ) : null}
      <Title headingLevel="h3">Storage drivers</Title>
      <SimpleTable
        label="Storage drivers"
        testId="drivers"
        head={['Service', 'Present', 'Start', 'StartOverride', 'Group', 'Image', 'Registry key']}
        rows={drivers.map((d) => [
          <>
            {d.service} {d.virtio ? <Label isCompact color={d.present ? 'green' : 'red'}>virtio</Label> : null}
          </>,
          d.present ? 'yes' : 'no',
          d.start,
          d.startOverride,
          d.group,
          <code key="i">{d.imagePath}</code>,
          <code key="r">{d.registryKey}</code>,
        ])}
      />
      <Title headingLevel="h3">Network adapters</Title>
      <SimpleTable
        label="Network adapters"
        head={['Interface', 'DHCP', 'Addresses', 'Gateways', 'DNS', 'DHCP lease']}
        rows={w.networkAdapters.map((a) => [<code key="i">{a.id}</code>, a.dhcp === null ? '' : a.dhcp ? 'yes' : 'no', a.addresses.join(', '), a.gateways.join(', '), a.dns.join(', '), a.dhcpAddress ?? ''])}
      />
      <Title headingLevel="h3">Firewall</Title>
      <SimpleTable label="Firewall" head={['Profile', 'Enabled']} rows={w.firewall.map((f) => [f.profile, f.enabled === null ? 'unknown' : f.enabled ? 'yes' : 'no'])} />
      <Title headingLevel="h3">System environment</Title>
      <VirtualTable rows={w.environment} columns={ENV_COLUMNS} label="environment variables" testId="environment" height={260} />
    </div>
  );
}

/** The report, tab by tab; the header says whose it is and offers the exports. */
export function ReportView({ report }: { report: InspectionReport }): ReactNode {
  const origin = useReportsStore((s) => s.origin);
  const returnTo = useReportsStore((s) => s.returnTo);
  const [tab, setTab] = useState<string>('overview');
  const columns = useMemo(() => applicationColumns(report), [report]);
  const verdict = VERDICTS[report.summary.readiness];
  const appsLabel = report.windows ? 'Applications' : 'Packages';

  return (
    <div className="h2k-stack h2k-report" data-testid="report-view" data-os-type={report.os.type}>
      <Flex alignItems={{ default: 'alignItemsCenter' }} justifyContent={{ default: 'justifyContentSpaceBetween' }}>
        <FlexItem>
          <Title headingLevel="h1" data-testid="report-title">
            {osTitle(report)}
          </Title>
          <p className="h2k-muted" data-testid="report-origin">
            <Label color={verdict.color} isCompact>
              {verdict.label}
            </Label>{' '}
            {countsText(report.summary)} · inspected {new Date(report.generatedAt).toLocaleString()} in {(report.durationMs / 1000).toFixed(1)} s · {originText(origin)}
          </p>
        </FlexItem>
        <FlexItem>
          <Flex spaceItems={{ default: 'spaceItemsSm' }}>
            {returnTo ? (
              <Button variant="secondary" onClick={goBack} data-testid="report-back">
                Back to the conversion
              </Button>
            ) : null}
            <Button variant="link" onClick={closeReport} data-testid="report-close">
              Open or inspect another
            </Button>
          </Flex>
        </FlexItem>
      </Flex>
      <ExportBar report={report} key={report.generatedAt + originText(origin)} />
      <Tabs activeKey={tab} onSelect={(_e, key) => setTab(String(key))} mountOnEnter aria-label="Report sections" data-testid="report-tabs">
        <Tab eventKey="overview" title={<TabTitleText>Overview</TabTitleText>} data-testid="tab-overview">
          <div className="h2k-tab-body">
            <Overview report={report} />
          </div>
        </Tab>
        <Tab eventKey="findings" title={<TabTitleText>Findings ({report.findings.length})</TabTitleText>} data-testid="tab-findings">
          <div className="h2k-tab-body">
            <Findings report={report} />
          </div>
        </Tab>
        <Tab eventKey="storage" title={<TabTitleText>Disks and file systems</TabTitleText>} data-testid="tab-storage">
          <div className="h2k-tab-body">
            <Storage report={report} />
          </div>
        </Tab>
        <Tab eventKey="filesystems" title={<TabTitleText>File systems ({report.filesystems.length})</TabTitleText>} data-testid="tab-filesystems">
          <div className="h2k-tab-body">
            <FilesystemsSection report={report} />
          </div>
        </Tab>
        <Tab eventKey="applications" title={<TabTitleText>{`${appsLabel} (${report.applications.length})`}</TabTitleText>} data-testid="tab-applications">
          <div className="h2k-tab-body">
            <VirtualTable rows={report.applications} columns={columns} label={appsLabel.toLowerCase()} testId="applications" emptyText="None found." />
          </div>
        </Tab>
        <Tab eventKey="network" title={<TabTitleText>Network ({report.network.length})</TabTitleText>} data-testid="tab-network">
          <div className="h2k-tab-body">
            <Network report={report} />
          </div>
        </Tab>
        {report.linux || report.windows ? (
          <Tab eventKey="system" title={<TabTitleText>{report.windows ? 'Windows and drivers' : 'Boot and services'}</TabTitleText>} data-testid="tab-system">
            <div className="h2k-tab-body">{report.windows ? <WindowsDetails report={report} /> : <LinuxDetails report={report} />}</div>
          </Tab>
        ) : null}
        {report.linux ? (
          <Tab eventKey="services" title={<TabTitleText>Services and logs</TabTitleText>} data-testid="tab-services">
            <div className="h2k-tab-body">
              <ServicesSection report={report} />
            </div>
          </Tab>
        ) : null}
        {report.repair ? (
          <Tab eventKey="repair" title={<TabTitleText>Repairs</TabTitleText>} data-testid="tab-repair">
            <div className="h2k-tab-body">
              <RepairRecordView record={report.repair} />
            </div>
          </Tab>
        ) : null}
        {report.bootVerification ? (
          <Tab eventKey="boot" title={<TabTitleText>Boot verification</TabTitleText>} data-testid="tab-boot">
            <div className="h2k-tab-body">
              <BootSection verification={report.bootVerification} />
            </div>
          </Tab>
        ) : null}
        {report.notes.length ? (
          <Tab eventKey="notes" title={<TabTitleText>Notes ({report.notes.length})</TabTitleText>} data-testid="tab-notes">
            <div className="h2k-tab-body">
              <ul data-testid="report-notes">
                {report.notes.map((n, i) => (
                  <li key={i}>{n}</li>
                ))}
              </ul>
            </div>
          </Tab>
        ) : null}
      </Tabs>
      <p className="h2k-muted">
        {shortDevice(report.os.root ?? '') ? `Root ${report.os.root}. ` : ''}Produced by hyper2kvm {report.producer.hyper2kvm}
        {report.producer.libguestfs ? ` with libguestfs ${report.producer.libguestfs}` : ''}; report schema {report.schemaVersion}.
      </p>
    </div>
  );
}
