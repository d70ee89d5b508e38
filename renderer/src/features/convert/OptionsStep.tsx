import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  Flex,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Label,
  List,
  ListItem,
  Spinner,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { formatBytes } from '../../../../shared/format';
import { useAppStore } from '../../app/app-store';
import { RepairOptionsFields } from '../repair';
import { ErrorAlert } from '../../components/ErrorAlert';
import { DestinationFolderField } from '../../components/DestinationFolderField';
import { FileBrowser } from '../../components/FileBrowser';
import { estimateText, useInspectionEstimate } from '../../components/inspection-estimate';
import { OutputFormatFields } from '../../components/OutputFormatFields';
import { nameProblem, outDirProblem, startProblems } from './options';
import { goTo, schedulePreview, startConversion, updateDraft, useConvertStore } from './store';

function Preview(): ReactNode {
  const preview = useConvertStore((s) => s.preview);
  if (preview.status === 'idle') return null;
  if (preview.status === 'loading') {
    return (
      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        <Spinner size="md" aria-label="Computing the preview" /> <span>Measuring what the conversion needs…</span>
      </Flex>
    );
  }
  if (preview.status === 'error') return <ErrorAlert error={preview.error} title="The preview failed" />;
  const p = preview.preview;
  return (
    <div className="h2k-stack" data-testid="preview">
      <Table variant="compact" aria-label="Outputs">
        <Thead>
          <Tr>
            <Th>Output</Th>
            <Th>Format</Th>
            <Th>Estimated size</Th>
            <Th screenReaderText="Already exists" />
          </Tr>
        </Thead>
        <Tbody>
          {p.outputs.map((o) => (
            <Tr key={o.diskId} data-testid="preview-output">
              <Td dataLabel="Output">
                <code>{o.path}</code>
              </Td>
              <Td dataLabel="Format">{o.format}</Td>
              <Td dataLabel="Estimated size">up to {formatBytes(o.estimatedBytes)}</Td>
              <Td>{o.exists ? <Label color="orange">exists</Label> : null}</Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      <p data-testid="preview-space">
        Needs about <strong>{formatBytes(p.estimatedBytes)}</strong>; <strong>{formatBytes(p.destinationFreeBytes)}</strong> free at the destination.
      </p>
      {p.blockers.map((b) => (
        <Alert key={`${b.code}:${b.message}`} variant="danger" isInline title={b.message} data-testid="blocker" data-code={b.code}>
          {b.hint}
        </Alert>
      ))}
    </div>
  );
}

export function OptionsStep(): ReactNode {
  const draft = useConvertStore((s) => s.draft);
  const preview = useConvertStore((s) => s.preview);
  const previewedFor = useConvertStore((s) => s.previewedFor);
  const startError = useConvertStore((s) => s.startError);
  const starting = useConvertStore((s) => s.starting);
  const defaultOutDir = useAppStore((s) => s.info?.defaultOutDir ?? '');
  const [browsing, setBrowsing] = useState(false);
  const estimate = useInspectionEstimate();

  useEffect(() => {
    // app.info may answer after the source was planned: fill the default destination then.
    if (draft && draft.outDir === '' && defaultOutDir) updateDraft({ outDir: defaultOutDir });
  }, [draft, defaultOutDir]);

  useEffect(() => {
    schedulePreview(0);
  }, []);

  if (!draft) return null;
  const name = nameProblem(draft.name);
  const outDir = outDirProblem(draft.outDir);
  const problems = startProblems(draft, preview, previewedFor);

  return (
    <div className="h2k-stack">
      <Title headingLevel="h2">Conversion options</Title>
      <Form
        isHorizontal
        onSubmit={(e) => {
          e.preventDefault();
          if (problems.length === 0) void startConversion();
        }}
      >
        <OutputFormatFields idPrefix="" format={draft.format} compress={draft.compress} onChange={updateDraft} />
        <DestinationFolderField
          id="out-dir"
          value={draft.outDir}
          problem={outDir}
          hint="Created if it does not exist yet (its parent must)."
          onChange={(v) => updateDraft({ outDir: v })}
          onBrowse={() => setBrowsing(true)}
          testId="out-dir"
          browseTestId="browse-out-dir"
        />
        <FormGroup label="Output name" fieldId="out-name" isRequired>
          <TextInput id="out-name" value={draft.name} onChange={(_e, v) => updateDraft({ name: v })} validated={name ? 'error' : 'default'} data-testid="out-name" />
          <FormHelperText>
            <HelperText>
              <HelperTextItem variant={name ? 'error' : 'default'} data-testid="out-name-help">
                {name ?? `Becomes ${draft.name}.${draft.format === 'qcow2' ? 'qcow2' : 'raw'} (with -disk1, -disk2… for a VM with several disks).`}
              </HelperTextItem>
            </HelperText>
          </FormHelperText>
        </FormGroup>
        <FormGroup fieldId="overwrite" label="Existing files">
          <Checkbox
            id="overwrite"
            label="Replace outputs that already exist"
            description="Off by default: an existing file is never replaced unless you tick this."
            isChecked={draft.overwrite}
            onChange={(_e, v) => updateDraft({ overwrite: v })}
            data-testid="overwrite"
          />
        </FormGroup>
        <FormGroup fieldId="inspect" label="Inspection">
          <Checkbox
            id="inspect"
            label="Inspect the converted disks"
            description={draft.repair ? 'The repair inspects the guest first (it cannot be turned off while repair is on).' : `Read-only: operating system, packages, network and what will break on KVM, as a report (${estimateText(estimate)}).`}
            isChecked={draft.inspect || draft.repair}
            isDisabled={draft.repair}
            onChange={(_e, v) => updateDraft({ inspect: v })}
            data-testid="inspect"
          />
        </FormGroup>
        <RepairOptionsFields draft={draft} onChange={updateDraft} />
      </Form>

      <Title headingLevel="h3" size="md">
        What will happen
      </Title>
      <Preview />
      {startError ? <ErrorAlert error={startError} title="The conversion could not start" /> : null}

      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        <Button variant="secondary" onClick={() => goTo('source')}>
          Back
        </Button>
        <Button variant="primary" isDisabled={problems.length > 0 || starting} isLoading={starting} onClick={() => void startConversion()} data-testid="start">
          Start conversion
        </Button>
      </Flex>
      {problems.length > 0 && preview.status !== 'loading' ? (
        <HelperText data-testid="start-disabled-reasons">
          {problems.length === 1 ? (
            <HelperTextItem variant="warning">Start is disabled: {problems[0]}</HelperTextItem>
          ) : (
            <HelperTextItem variant="warning">
              Start is disabled until these are fixed:
              <List>
                {problems.map((p) => (
                  <ListItem key={p}>{p}</ListItem>
                ))}
              </List>
            </HelperTextItem>
          )}
        </HelperText>
      ) : null}

      <FileBrowser
        isOpen={browsing}
        mode="folder"
        title="Choose the destination folder"
        startPath={draft.outDir || defaultOutDir || '/'}
        onClose={() => setBrowsing(false)}
        onPick={(path) => {
          setBrowsing(false);
          updateDraft({ outDir: path });
        }}
      />
    </div>
  );
}
