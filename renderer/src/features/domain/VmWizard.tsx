import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { Button, Flex, PageSection, Spinner, TextInput, Title } from '@patternfly/react-core';
import { FolderOpenIcon } from '@patternfly/react-icons';
import { useAppStore } from '../../app/app-store';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FileBrowser } from '../../components/FileBrowser';
import { WizardSteps } from '../../components/WizardSteps';
import { chooseConversion, chooseDisk, diskVmFlow, goToDiskStep, recentConversions, useDiskWizard } from './flows';
import type { DiskWizardStep, RecentConversion } from './flows';
import { VerifyStep } from './VerifyStep';
import { VmStep } from './VmStep';
import { verifying } from './vm-flow';

const STEPS: ReadonlyArray<{ id: DiskWizardStep; label: string }> = [
  { id: 'disk', label: 'Disk' },
  { id: 'vm', label: 'Create VM' },
  { id: 'verify', label: 'Verify boot' },
];

/** The disks this engine converted or migrated lately: one click instead of a path to type. */
function RecentDisks(): ReactNode {
  const [recent, setRecent] = useState<RecentConversion[] | null>(null);
  useEffect(() => {
    let live = true;
    recentConversions().then(
      (list) => live && setRecent(list),
      () => live && setRecent([]),
    );
    return () => {
      live = false;
    };
  }, []);
  if (!recent || recent.length === 0) return null;
  return (
    <div className="h2k-stack" data-testid="recent-disks">
      <Title headingLevel="h3" size="md">
        Converted here lately
      </Title>
      <ul className="h2k-recent-disks">
        {recent.slice(0, 8).map((r) => (
          <li key={r.jobId} data-testid="recent-disk" data-job-id={r.jobId} data-path={r.target.disks[0]?.path}>
            <Button variant="secondary" size="sm" onClick={() => chooseConversion(r)} data-testid="recent-disk-use">
              Use
            </Button>{' '}
            {r.target.disks.map((d) => (
              <code key={d.path} className="h2k-path">
                {d.path}
              </code>
            ))}{' '}
            <span className="h2k-muted">
              ({r.kind === 'migrate' ? 'migrated' : 'converted'}
              {r.endedAt ? ` at ${r.endedAt.slice(11, 16)}` : ''}
              {r.target.guest.kind === 'inspected' ? `; inspected: ${r.target.guest.osName ?? 'no operating system'}` : ''})
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function DiskStep(): ReactNode {
  const planning = useDiskWizard((s) => s.planning);
  const error = useDiskWizard((s) => s.error);
  const homeDir = useAppStore((s) => s.info?.homeDir ?? '/');
  const defaultOutDir = useAppStore((s) => s.info?.defaultOutDir ?? '');
  const current = diskVmFlow.useStore((s) => s.target?.disks[0]?.path ?? '');
  const [typed, setTyped] = useState('');
  const [browsing, setBrowsing] = useState(false);
  return (
    <div className="h2k-stack" data-testid="disk-step">
      <Title headingLevel="h2">Which converted disk?</Title>
      <p>A qcow2 or raw disk on the engine's machine, already converted (by the Convert page, virt-v2v or qemu-img). It is only read.</p>
      <RecentDisks />
      <form
        className="h2k-path-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed.trim()) void chooseDisk(typed.trim());
        }}
      >
        <TextInput aria-label="Path of the converted disk" placeholder={current || '/var/lib/libvirt/images/web01.qcow2'} value={typed} onChange={(_e, v) => setTyped(v)} data-testid="disk-path" />
        <Button type="submit" variant="primary" isDisabled={planning !== null || typed.trim() === ''} data-testid="disk-path-use">
          Use this disk
        </Button>
        <Button variant="secondary" icon={<FolderOpenIcon />} onClick={() => setBrowsing(true)} isDisabled={planning !== null} data-testid="disk-browse">
          Browse…
        </Button>
      </form>
      {planning ? (
        <Flex alignItems={{ default: 'alignItemsCenter' }}>
          <Spinner size="md" aria-label="Reading the disk" /> <span>Reading {planning}…</span>
        </Flex>
      ) : null}
      {error ? <ErrorAlert error={error} /> : null}
      <FileBrowser
        isOpen={browsing}
        mode="source"
        title="Choose a converted disk"
        startPath={defaultOutDir || homeDir}
        onClose={() => setBrowsing(false)}
        onPick={(path) => {
          setBrowsing(false);
          setTyped(path);
          void chooseDisk(path);
        }}
      />
    </div>
  );
}

/** The Create VM page: a disk chosen directly → Create VM → Verify boot. */
export function VmWizard(): ReactNode {
  const step = useDiskWizard((s) => s.step);
  const hasTarget = diskVmFlow.useStore((s) => s.target !== null);
  const busy = diskVmFlow.useStore(verifying);
  return (
    <>
      <WizardSteps
        steps={STEPS}
        current={step}
        canGoTo={(id) => !busy && (id === 'disk' || hasTarget)}
        onGoTo={goToDiskStep}
        ariaLabel="Create VM steps"
        testId="vm-steps"
        idPrefix="vm-step-"
      />
      <PageSection isFilled>
        {step === 'disk' ? <DiskStep /> : null}
        {step === 'vm' ? <VmStep flow={diskVmFlow} onVerify={() => goToDiskStep('verify')} onBack={() => goToDiskStep('disk')} backLabel="Choose another disk" /> : null}
        {step === 'verify' ? <VerifyStep flow={diskVmFlow} onBack={() => goToDiskStep('vm')} backLabel="Back to Create VM" /> : null}
      </PageSection>
    </>
  );
}
