import type { ReactNode } from 'react';
import { Alert, Label, Progress, ProgressMeasureLocation, ProgressVariant, Title } from '@patternfly/react-core';
import type { Filesystem, InspectionReport } from '../../../../shared/contract/models/inspection';
import {
  ATTRIBUTE_COLUMNS,
  attributeRows,
  BTRFS_USAGE_COLUMNS,
  btrfsUsageRows,
  bytesText,
  bytesUsage,
  DISK_DEVICE_COLUMNS,
  diskDeviceRows,
  extFacts,
  filesystemFacts,
  filesystemName,
  inodeText,
  inodeUsage,
  ntfsFacts,
  OLDER_REPORT_TEXT,
  SNAPSHOT_COLUMNS,
  snapshotRows,
  storageDetailsRead,
  SUBVOLUME_COLUMNS,
  subvolumeRows,
  xfsFacts,
} from '../../../../shared/report-facts-storage';
import type { UsageMeasure } from '../../../../shared/report-facts-storage';
import { Facts, SimpleTable } from './parts';

/**
 * The "File systems" tab: per file system what its own tools said (usage in bytes and inodes,
 * btrfs subvolumes and snapper snapshots, XFS geometry, ext state and file attributes, NTFS
 * flags, a ZFS member's pool with its datasets said to be unknown and why), and per disk how the
 * kernel saw its sectors. Words and rows come from
 * shared/report-facts-storage, the same the HTML export prints.
 */

function UsageBar({ usage, title, fallback, testId }: { usage: UsageMeasure | null; title: string; fallback: string; testId: string }): ReactNode {
  if (!usage) {
    return (
      <p className="h2k-muted" data-testid={testId}>
        {title}: {fallback}
      </p>
    );
  }
  const variant = usage.fraction > 0.95 ? ProgressVariant.danger : usage.fraction > 0.85 ? ProgressVariant.warning : undefined;
  return (
    <Progress
      data-testid={testId}
      title={title}
      value={Math.round(usage.fraction * 1000) / 10}
      label={usage.text}
      valueText={usage.text}
      measureLocation={ProgressMeasureLocation.outside}
      variant={variant}
      size="sm"
    />
  );
}

function SubvolumeTree({ fs }: { fs: Filesystem }): ReactNode {
  const rows = subvolumeRows(fs);
  return (
    <SimpleTable
      label={`Subvolumes of ${fs.device}`}
      testId="btrfs-subvolumes"
      head={SUBVOLUME_COLUMNS}
      rows={rows.map((r) => [
        // Indented under its parent: the tree is the layout a rollback or a mount option refers to.
        <span key="p" className="h2k-mono h2k-subvol" style={{ paddingLeft: `${r.depth * 1.25}rem` }} data-depth={r.depth}>
          {r.depth ? '└ ' : ''}
          {r.path}
        </span>,
        r.cells[1],
        r.isDefault ? (
          <Label key="d" isCompact color="blue">
            default
          </Label>
        ) : (
          ''
        ),
        r.readOnly ? (
          <Label key="r" isCompact color="grey">
            read-only
          </Label>
        ) : (
          r.cells[3]
        ),
        r.cells[4],
      ])}
      empty="No subvolume besides the top level."
    />
  );
}

function FilesystemCard({ report, fs }: { report: InspectionReport; fs: Filesystem }): ReactNode {
  const d = fs.details;
  const attributes = attributeRows(fs);
  const ntfs = ntfsFacts(fs);
  const warn = d?.ntfs?.dirty || d?.ntfs?.hibernated || d?.ntfs?.uncleanUnmount || d?.zfs || d?.xfs?.dirtyLog || (d?.ext?.state && d.ext.state !== 'clean');
  return (
    <section className="h2k-fs h2k-stack" data-testid="fs-card" data-device={fs.device} data-type={fs.type}>
      <Title headingLevel="h3">
        {filesystemName(report, fs)} <span className="h2k-muted">{fs.type}</span> {warn ? <Label color="orange">needs attention</Label> : null}
      </Title>
      <Facts rows={filesystemFacts(fs)} testId="fs-facts" />
      <UsageBar usage={bytesUsage(fs)} title="Space" fallback={bytesText(fs)} testId="fs-usage-bytes" />
      {d ? <UsageBar usage={inodeUsage(fs)} title="Inodes" fallback={inodeText(fs)} testId="fs-usage-inodes" /> : null}
      {d?.btrfs ? (
        <>
          <Title headingLevel="h4">Subvolumes</Title>
          <SubvolumeTree fs={fs} />
          <Title headingLevel="h4">Snapper snapshots</Title>
          <SimpleTable label={`Snapshots of ${fs.device}`} testId="btrfs-snapshots" head={SNAPSHOT_COLUMNS} rows={snapshotRows(fs)} empty="No snapper snapshot." />
          <Title headingLevel="h4">Space by kind</Title>
          <SimpleTable label={`btrfs space of ${fs.device}`} testId="btrfs-usage" head={BTRFS_USAGE_COLUMNS} rows={btrfsUsageRows(fs)} empty="Not read." />
        </>
      ) : null}
      {d?.xfs ? (
        <>
          <Title headingLevel="h4">XFS geometry</Title>
          <Facts rows={xfsFacts(fs)} testId="xfs-facts" />
        </>
      ) : null}
      {d?.ext ? (
        <>
          <Title headingLevel="h4">ext state and features</Title>
          <Facts rows={extFacts(fs)} testId="ext-facts" />
          <Title headingLevel="h4">File attributes</Title>
          <SimpleTable
            label={`File attributes on ${fs.device}`}
            testId="ext-attributes"
            head={ATTRIBUTE_COLUMNS}
            rows={attributes.map((a) => [
              <code key="f">{a.cells[0]}</code>,
              <span key="a" className="h2k-mono">
                {a.cells[1]}
              </span>,
              a.immutable ? (
                <Label key="i" isCompact color="red">
                  {a.cells[2]}
                </Label>
              ) : (
                a.cells[2]
              ),
              a.cells[3],
            ])}
            rowClass={(i) => (attributes[i]?.immutable ? 'h2k-row-immutable' : undefined)}
            empty="No file a repair may edit was checked."
          />
        </>
      ) : null}
      {ntfs.length ? (
        <>
          <Title headingLevel="h4">NTFS</Title>
          <Facts rows={ntfs} testId="ntfs-facts" />
        </>
      ) : null}
    </section>
  );
}

export function FilesystemsSection({ report }: { report: InspectionReport }): ReactNode {
  const read = storageDetailsRead(report);
  return (
    <div className="h2k-stack" data-testid="filesystems-tab" data-read={read}>
      {read ? null : <Alert variant="info" isInline isPlain title={OLDER_REPORT_TEXT} data-testid="filesystems-not-read" />}
      <Title headingLevel="h3">Disks</Title>
      <SimpleTable label="Disk devices" testId="disk-devices" head={DISK_DEVICE_COLUMNS} rows={diskDeviceRows(report)} empty="No disk." />
      {report.filesystems.length ? report.filesystems.map((fs) => <FilesystemCard key={fs.device} report={report} fs={fs} />) : <p className="h2k-muted">No file system found.</p>}
    </div>
  );
}
