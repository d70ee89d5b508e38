import { useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, AlertActionLink, CodeBlock, CodeBlockCode, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, ExpandableSection, Label } from '@patternfly/react-core';
import type { EngineError } from '../../../shared/contract/errors';
import { evidenceRows } from './evidence';

export interface ErrorAction {
  label: string;
  onClick: () => void;
}

/**
 * An error value as an administrator needs it: what happened, its stable code, what to do next,
 * and — one click away — the evidence (command, exit code, the tool's last words). Never a
 * stack trace: error values do not carry one.
 */
export function ErrorAlert({ error, title, actions = [], children }: { error: EngineError; title?: string; actions?: ErrorAction[]; children?: ReactNode }): ReactNode {
  const [expanded, setExpanded] = useState(false);
  const rows = evidenceRows(error.evidence);
  const variant = error.kind === 'cancelled' ? 'info' : error.kind === 'bad-input' ? 'warning' : 'danger';
  return (
    <Alert
      variant={variant}
      isInline
      title={title ?? error.message}
      data-testid="error-alert"
      data-error-code={error.code}
      actionLinks={actions.map((a) => (
        <AlertActionLink key={a.label} onClick={a.onClick}>
          {a.label}
        </AlertActionLink>
      ))}
    >
      {title ? <p>{error.message}</p> : null}
      {error.hint ? <p data-testid="error-hint">{error.hint}</p> : null}
      <p className="h2k-error-code">
        <Label isCompact data-testid="error-code">
          {error.code}
        </Label>
      </p>
      {children}
      {rows.length > 0 ? (
        <ExpandableSection toggleText={expanded ? 'Hide evidence' : 'Show evidence'} onToggle={(_e, open) => setExpanded(open)} isExpanded={expanded}>
          <DescriptionList isCompact data-testid="error-evidence">
            {rows.map((row) => (
              <DescriptionListGroup key={row.label}>
                <DescriptionListTerm>{row.label}</DescriptionListTerm>
                <DescriptionListDescription>
                  {row.code ? (
                    <CodeBlock>
                      <CodeBlockCode>{row.value}</CodeBlockCode>
                    </CodeBlock>
                  ) : (
                    row.value
                  )}
                </DescriptionListDescription>
              </DescriptionListGroup>
            ))}
          </DescriptionList>
        </ExpandableSection>
      ) : null}
    </Alert>
  );
}
