import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { CodeBlock, CodeBlockCode, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Label, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { BootScreenshot, BootVerification } from '../../../../shared/contract/models/boot';
import { engine } from '../../app/app-store';
import { screenshotRef } from './report-model';

const VERDICT_COLOR = { booted: 'green', failed: 'red', timeout: 'orange' } as const;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The proof that the converted guest boots (or why it does not): verdict, milestones, console, screens. */
export function BootSection({ verification: b }: { verification: BootVerification }): ReactNode {
  const final = b.evidence.screenshots.find((s) => s.path === b.evidence.finalScreenshot) ?? b.evidence.screenshots.at(-1) ?? null;
  return (
    <div className="h2k-stack" data-testid="boot-verification" data-verdict={b.verdict}>
      <div>
        <Label color={VERDICT_COLOR[b.verdict]} data-testid="boot-verdict">
          {b.verdict}
        </Label>{' '}
        {b.detail}
      </div>
      <DescriptionList isHorizontal isCompact>
        {(
          [
            ['Reason', b.reason],
            ['Next step', b.hint],
            ['Verdict after', seconds(b.verdictAtMs)],
            ['Firmware', b.firmware],
            ['Accelerator', b.accelerator === 'tcg' ? 'software emulation (TCG)' : 'KVM'],
            ['Guest agent', b.evidence.agentAnswered ? 'answered' : 'no answer'],
            ['Disk', `${b.disk.path} (${b.disk.format}${b.disk.untouched ? ', unchanged by the boot' : ''})`],
          ] as const
        )
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <DescriptionListGroup key={k}>
              <DescriptionListTerm>{k}</DescriptionListTerm>
              <DescriptionListDescription>{v}</DescriptionListDescription>
            </DescriptionListGroup>
          ))}
      </DescriptionList>
      <Title headingLevel="h4">Milestones</Title>
      {b.milestones.length ? (
        <Table variant="compact" aria-label="Boot milestones">
          <Thead>
            <Tr>
              <Th>At</Th>
              <Th>Stage</Th>
              <Th>Seen on</Th>
              <Th>Line</Th>
            </Tr>
          </Thead>
          <Tbody>
            {b.milestones.map((m) => (
              <Tr key={`${m.kind}-${m.atMs}`}>
                <Td>{seconds(m.atMs)}</Td>
                <Td>{m.kind}</Td>
                <Td>{m.source}</Td>
                <Td className="h2k-mono">{m.text}</Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      ) : (
        <p className="h2k-muted">No boot milestone was seen.</p>
      )}
      {b.excerpt ? (
        <>
          <Title headingLevel="h4">{b.excerptSource === 'screen' ? 'Screen text' : 'Serial console'}</Title>
          <CodeBlock>
            <CodeBlockCode data-testid="boot-excerpt">{b.excerpt}</CodeBlockCode>
          </CodeBlock>
        </>
      ) : null}
      {final ? <Screenshot shot={final} /> : null}
    </div>
  );
}

/** Screenshots live in the verification job's folder; the engine hands them out by name. */
function Screenshot({ shot }: { shot: BootScreenshot }): ReactNode {
  const ref = screenshotRef(shot.path);
  const [url, setUrl] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    if (!ref) return;
    let live = true;
    engine()
      .call('boot.screenshot', ref)
      .then((image) => live && setUrl(`data:${image.mime};base64,${image.base64}`))
      .catch(() => live && setMissing(true));
    return () => {
      live = false;
    };
  }, [shot.path]);
  return (
    <figure className="h2k-boot-shot">
      {url ? <img src={url} alt={`The guest's screen at ${seconds(shot.atMs)}`} data-testid="report-boot-screenshot" /> : <div className="h2k-muted">{ref && !missing ? 'Loading the screenshot…' : 'The screenshot is not available on this machine.'}</div>}
      <figcaption className="h2k-muted">
        Screen at {seconds(shot.atMs)}
        {shot.text ? ` — ${shot.text.slice(0, 200)}` : ''}
      </figcaption>
    </figure>
  );
}
