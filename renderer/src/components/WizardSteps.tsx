import type { ReactNode } from 'react';
import { Button, PageSection, ProgressStep, ProgressStepper } from '@patternfly/react-core';

/**
 * A wizard's step bar: the steps before the current one shown as done, and each step the user
 * may go to now as a link (a page decides which, e.g. none but Run while a job runs).
 */
export function WizardSteps<Id extends string>({
  steps,
  current,
  canGoTo,
  onGoTo,
  ariaLabel,
  testId,
  idPrefix,
}: {
  steps: ReadonlyArray<{ id: Id; label: string }>;
  current: Id;
  canGoTo: (id: Id) => boolean;
  onGoTo: (id: Id) => void;
  ariaLabel: string;
  testId: string;
  /** Each step's id and test id is this prefix and the step's id. */
  idPrefix: string;
}): ReactNode {
  const currentIndex = steps.findIndex((s) => s.id === current);
  return (
    <PageSection>
      <ProgressStepper isCenterAligned aria-label={ariaLabel} data-testid={testId}>
        {steps.map((s, i) => (
          <ProgressStep
            key={s.id}
            id={`${idPrefix}${s.id}`}
            titleId={`${idPrefix}${s.id}-title`}
            isCurrent={s.id === current}
            variant={i < currentIndex ? 'success' : s.id === current ? 'info' : 'pending'}
            data-testid={`${idPrefix}${s.id}`}
            data-current={s.id === current}
          >
            {canGoTo(s.id) && s.id !== current ? (
              <Button variant="link" isInline onClick={() => onGoTo(s.id)}>
                {s.label}
              </Button>
            ) : (
              s.label
            )}
          </ProgressStep>
        ))}
      </ProgressStepper>
    </PageSection>
  );
}
