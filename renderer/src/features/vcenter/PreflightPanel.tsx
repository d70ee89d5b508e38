import type { ReactNode } from 'react';
import { Button, Flex, Icon, Label, Modal, ModalBody, ModalFooter, ModalHeader, Popover, Spinner } from '@patternfly/react-core';
import { ExclamationCircleIcon, ExclamationTriangleIcon, InfoCircleIcon } from '@patternfly/react-icons';
import type { PreflightItem, PreflightReport, PreflightSeverity } from '../../../../shared/contract/api/vcenter';
import { formatBytes } from '../../../../shared/format';
import { ErrorAlert } from '../../components/ErrorAlert';
import type { PreflightState } from './migrate-options';
import { actionBehaviour, countsText, orderedItems, SEVERITY_TEXT } from './preflight-model';
import { askAction, confirmAction, dismissAction, refreshPreflight, useVcenterStore } from './store';

export interface FieldActions {
  chooseDestination: () => void;
  chooseName: () => void;
}

function SeverityIcon({ severity }: { severity: PreflightSeverity }): ReactNode {
  if (severity === 'blocker') {
    return (
      <Icon status="danger">
        <ExclamationCircleIcon />
      </Icon>
    );
  }
  if (severity === 'warning') {
    return (
      <Icon status="warning">
        <ExclamationTriangleIcon />
      </Icon>
    );
  }
  return (
    <Icon status="info">
      <InfoCircleIcon />
    </Icon>
  );
}

function ItemView({ item, vmId, vmName, fields }: { item: PreflightItem; vmId: string; vmName: string; fields: FieldActions | null }): ReactNode {
  return (
    <div className="h2k-vc-preflight-item" data-testid="preflight-item" data-id={item.id} data-severity={item.severity}>
      <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsSm' }}>
        <SeverityIcon severity={item.severity} />
        <strong>{item.title}</strong>
        <Label isCompact color={item.severity === 'blocker' ? 'red' : item.severity === 'warning' ? 'orange' : 'blue'}>
          {SEVERITY_TEXT[item.severity]}
        </Label>
        {item.subject ? <span className="h2k-muted">{item.subject}</span> : null}
      </Flex>
      <p data-testid="preflight-message">{item.message}</p>
      <p className="h2k-muted" data-testid="preflight-hint">
        What to do: {item.hint}
      </p>
      {item.actions.length > 0 ? (
        <Flex spaceItems={{ default: 'spaceItemsSm' }}>
          {item.actions.map((action) => {
            const behaviour = actionBehaviour(action, vmName);
            const common = { key: action.id, 'data-testid': 'preflight-action', 'data-action': action.id } as const;
            switch (behaviour.kind) {
              case 'call':
                return (
                  <Button {...common} variant={action.id === 'power-off' ? 'danger' : 'secondary'} size="sm" onClick={() => askAction(vmId, action, behaviour.question)}>
                    {action.label}…
                  </Button>
                );
              case 'choose-destination':
              case 'choose-name':
                return fields ? (
                  <Button {...common} variant="secondary" size="sm" onClick={behaviour.kind === 'choose-destination' ? fields.chooseDestination : fields.chooseName}>
                    {action.label}
                  </Button>
                ) : null;
              case 'refresh':
                return (
                  <Button {...common} variant="secondary" size="sm" onClick={() => void refreshPreflight(vmId)}>
                    {action.label}
                  </Button>
                );
              case 'help':
                return (
                  <Popover key={action.id} bodyContent={behaviour.text} headerContent={action.label}>
                    <Button variant="link" size="sm" isInline data-testid="preflight-action" data-action={action.id}>
                      {action.label}
                    </Button>
                  </Popover>
                );
            }
          })}
        </Flex>
      ) : null}
    </div>
  );
}

function Estimate({ report }: { report: PreflightReport }): ReactNode {
  const e = report.estimate;
  return (
    <p className="h2k-muted" data-testid="preflight-estimate">
      Downloads {formatBytes(e.downloadBytes)}
      {e.alreadyDownloadedBytes > 0 ? ` (${formatBytes(e.alreadyDownloadedBytes)} already here)` : ''}; the converted disks take up to {formatBytes(e.outputBytes)}; {formatBytes(e.destinationFreeBytes)} free in <code>{e.destination}</code>.
    </p>
  );
}

/** One VM's pre-flight: blockers, warnings and notes, each with what to do and its actions. */
export function PreflightPanel({ vmId, vmName, state, fields }: { vmId: string; vmName: string; state: PreflightState | undefined; fields: FieldActions | null }): ReactNode {
  if (!state || state.status === 'idle') return null;
  if (state.status === 'error') {
    return <ErrorAlert error={state.error} title="The pre-flight checks could not run" actions={[{ label: 'Check again', onClick: () => void refreshPreflight(vmId) }]} />;
  }
  const loading = state.status === 'loading';
  const report = state.status === 'ready' ? state.report : null;
  return (
    <div className="h2k-stack" data-testid="preflight" data-vm-id={vmId} data-status={state.status} data-can-migrate={report ? String(report.canMigrate) : undefined}>
      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        {report ? (
          <Label color={report.counts.blocker > 0 ? 'red' : report.counts.warning > 0 ? 'orange' : 'green'} data-testid="preflight-counts">
            {report.canMigrate ? 'Ready to migrate' : 'Blocked'}: {countsText(report.counts)}
          </Label>
        ) : null}
        {loading ? (
          <>
            <Spinner size="md" aria-label="Checking" /> <span className="h2k-muted">Checking…</span>
          </>
        ) : (
          <Button variant="link" isInline onClick={() => void refreshPreflight(vmId)} data-testid="preflight-refresh">
            Check again
          </Button>
        )}
      </Flex>
      {report ? (
        <>
          {orderedItems(report.items).map((item) => (
            <ItemView key={`${item.id}:${item.subject ?? ''}`} item={item} vmId={vmId} vmName={vmName} fields={fields} />
          ))}
          <Estimate report={report} />
        </>
      ) : null}
    </div>
  );
}

/** The confirmation before a power action: it changes a VM people may be using. */
export function ActionDialog(): ReactNode {
  const action = useVcenterStore((s) => s.action);
  return (
    <Modal variant="small" isOpen={action !== null} onClose={dismissAction} aria-labelledby="vc-action-title" data-testid="action-confirm">
      {action ? (
        <>
          <ModalHeader title={`${action.action.label}: ${action.vmName}`} labelId="vc-action-title" titleIconVariant="warning" />
          <ModalBody>
            <p data-testid="action-question">{action.question}</p>
            {action.error ? <ErrorAlert error={action.error} title={`${action.action.label} failed`} /> : null}
          </ModalBody>
          <ModalFooter>
            <Button variant="danger" onClick={() => void confirmAction()} isLoading={action.busy} isDisabled={action.busy} data-testid="action-confirm-yes">
              {action.busy ? `${action.action.label}…` : action.action.label}
            </Button>
            <Button variant="link" onClick={dismissAction} isDisabled={action.busy}>
              Cancel
            </Button>
          </ModalFooter>
        </>
      ) : null}
    </Modal>
  );
}
