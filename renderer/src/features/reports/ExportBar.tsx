import { useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, Button, Checkbox, Flex, FlexItem, FormGroup, InputGroup, InputGroupItem, TextInput } from '@patternfly/react-core';
import type { InspectionReport } from '../../../../shared/contract/models/inspection';
import { formatBytes } from '../../../../shared/format';
import { useAppStore } from '../../app/app-store';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FileBrowser } from '../../components/FileBrowser';
import { exportBaseName } from './report-model';
import { exportReport, useReportsStore } from './store';
import type { ExportKind } from './store';

const KINDS: ReadonlyArray<{ kind: ExportKind; label: string; ext: string }> = [
  { kind: 'html', label: 'Export HTML', ext: 'html' },
  { kind: 'pdf', label: 'Export PDF', ext: 'pdf' },
  { kind: 'json', label: 'Export JSON', ext: 'json' },
];

/**
 * Exports, written by the engine on its machine: the self-contained HTML (charts inline), the
 * same page printed to PDF, and the JSON the viewer opens again.
 */
export function ExportBar({ report }: { report: InspectionReport }): ReactNode {
  const defaultOutDir = useAppStore((s) => s.info?.defaultOutDir ?? '');
  const exporting = useReportsStore((s) => s.exporting);
  const exported = useReportsStore((s) => s.exported);
  const error = useReportsStore((s) => s.exportError);
  const [folder, setFolder] = useState<string | null>(null);
  const [name, setName] = useState(() => exportBaseName(report));
  const [overwrite, setOverwrite] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const dir = (folder ?? defaultOutDir).replace(/\/+$/, '') || '/';
  const problem = !dir.startsWith('/') ? 'Give the folder as an absolute path.' : !name.trim() || name.includes('/') ? 'Give a file name without a folder.' : null;
  const target = (ext: string): string => `${dir === '/' ? '' : dir}/${name.trim()}.${ext}`;

  return (
    <div className="h2k-export" data-testid="export-bar">
      <Flex alignItems={{ default: 'alignItemsFlexEnd' }} spaceItems={{ default: 'spaceItemsMd' }} flexWrap={{ default: 'wrap' }}>
        <FlexItem className="h2k-export-folder">
          <FormGroup label="Export to folder" fieldId="export-folder">
            <InputGroup>
              <InputGroupItem isFill>
                <TextInput id="export-folder" value={dir} onChange={(_e, v) => setFolder(v)} data-testid="export-folder" />
              </InputGroupItem>
              <InputGroupItem>
                <Button variant="control" onClick={() => setBrowsing(true)} data-testid="export-browse">
                  Browse…
                </Button>
              </InputGroupItem>
            </InputGroup>
          </FormGroup>
        </FlexItem>
        <FlexItem>
          <FormGroup label="File name" fieldId="export-name">
            <TextInput id="export-name" value={name} onChange={(_e, v) => setName(v)} data-testid="export-name" />
          </FormGroup>
        </FlexItem>
        <FlexItem>
          <Checkbox id="export-overwrite" label="Replace existing files" isChecked={overwrite} onChange={(_e, v) => setOverwrite(v)} data-testid="export-overwrite" />
        </FlexItem>
        <FlexItem>
          <Flex spaceItems={{ default: 'spaceItemsSm' }}>
            {KINDS.map((k) => (
              <Button
                key={k.kind}
                variant="secondary"
                isDisabled={problem !== null || exporting !== null}
                isLoading={exporting === k.kind}
                onClick={() => void exportReport(k.kind, target(k.ext), overwrite)}
                data-testid={`export-${k.kind}`}
              >
                {k.label}
              </Button>
            ))}
          </Flex>
        </FlexItem>
      </Flex>
      {problem ? <p className="h2k-muted">{problem}</p> : null}
      {exported.map((e) => (
        <Alert key={e.kind} variant="success" isInline isPlain title={`${e.kind.toUpperCase()} written: ${e.path} (${formatBytes(e.bytes)})`} data-testid="export-done" data-kind={e.kind} data-path={e.path} />
      ))}
      {error ? <ErrorAlert error={error} title="The export failed" /> : null}
      <FileBrowser
        isOpen={browsing}
        mode="folder"
        startPath={dir}
        title="Export to which folder?"
        onPick={(path) => {
          setFolder(path);
          setBrowsing(false);
        }}
        onClose={() => setBrowsing(false)}
      />
    </div>
  );
}
