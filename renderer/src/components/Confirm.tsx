import type { ReactNode } from 'react';
import { Button, Modal, ModalBody, ModalFooter, ModalHeader } from '@patternfly/react-core';

/** A question before something that cannot be taken back, or that the evidence advises against. */
export function Confirm({ open, title, body, yes, no, testId, onYes, onNo, danger = true }: { open: boolean; title: string; body: ReactNode; yes: string; no: string; testId: string; onYes: () => void; onNo: () => void; danger?: boolean }): ReactNode {
  return (
    <Modal variant="small" isOpen={open} onClose={onNo} aria-labelledby={`${testId}-title`} data-testid={testId}>
      <ModalHeader title={title} labelId={`${testId}-title`} titleIconVariant="warning" />
      <ModalBody>{body}</ModalBody>
      <ModalFooter>
        <Button variant={danger ? 'danger' : 'primary'} onClick={onYes} data-testid={`${testId}-yes`}>
          {yes}
        </Button>
        <Button variant="link" onClick={onNo}>
          {no}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
