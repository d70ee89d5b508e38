import { useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, Button, Card, CardBody, Content, Flex, FlexItem, List, ListItem, Spinner, TextInput, Title } from '@patternfly/react-core';
import { FolderOpenIcon, ServerIcon, UploadIcon } from '@patternfly/react-icons';
import { appEnvironment, useAppStore } from '../../app/app-store';
import { DropZone } from '../../components/DropZone';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FileBrowser } from '../../components/FileBrowser';
import { ProgressPanel } from '../../components/ProgressPanel';
import { takePicked } from '../../components/drop-reader';
import { PlanSummary } from './PlanSummary';
import { acceptSourceInput, cancelUpload, clearSource, goTo, handleDrop, planPath, useConvertStore } from './store';

function pathForFileFn(): ((file: File) => string) | null {
  const env = appEnvironment();
  return env.mode === 'electron' ? (file) => env.preload.pathForFile(file) : null;
}

export function SourceStep(): ReactNode {
  const source = useConvertStore((s) => s.source);
  const skipped = useConvertStore((s) => s.skipped);
  const homeDir = useAppStore((s) => s.info?.homeDir ?? '/');
  const [browsing, setBrowsing] = useState(false);
  const [typedPath, setTypedPath] = useState('');
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const pathForFile = pathForFileFn();
  const busy = source.status === 'uploading' || source.status === 'planning' || source.status === 'reading';

  const picked = (list: FileList | null): void => {
    if (list && list.length > 0) void acceptSourceInput(takePicked(list, pathForFile));
  };

  return (
    <div className="h2k-stack">
      <Title headingLevel="h2">What do you want to convert?</Title>
      <DropZone onDrop={handleDrop} pathForFile={pathForFile} disabled={busy}>
        <Card isCompact className="h2k-drop-card">
          <CardBody>
            <Flex direction={{ default: 'column' }} alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsMd' }}>
              <UploadIcon className="h2k-drop-icon" />
              <Content component="p" className="h2k-center">
                Drop a VMware disk (<code>.vmdk</code>), a VM (<code>.vmx</code>, <code>.ovf</code>, <code>.ova</code>) or the folder that holds it anywhere on this window.
                {pathForFile ? null : ' Dropped files are copied to the engine first; a VM already on that machine is faster to pick with the file browser.'}
              </Content>
              <Flex justifyContent={{ default: 'justifyContentCenter' }}>
                <Button variant="secondary" icon={<UploadIcon />} onClick={() => filesInput.current?.click()} isDisabled={busy}>
                  Choose files…
                </Button>
                <Button variant="secondary" icon={<FolderOpenIcon />} onClick={() => folderInput.current?.click()} isDisabled={busy}>
                  Choose a folder…
                </Button>
                <Button variant="secondary" icon={<ServerIcon />} onClick={() => setBrowsing(true)} isDisabled={busy} data-testid="browse-source">
                  {pathForFile ? 'Browse…' : "Browse the engine's machine…"}
                </Button>
              </Flex>
              <form
                className="h2k-path-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (typedPath.trim()) void planPath(typedPath.trim());
                }}
              >
                <TextInput aria-label="Path of the source on the engine's machine" placeholder="…or type a path, e.g. /srv/vms/web01/web01.vmx" value={typedPath} onChange={(_e, v) => setTypedPath(v)} data-testid="source-path" />
                <Button type="submit" variant="tertiary" isDisabled={busy || typedPath.trim() === ''} data-testid="source-path-use">
                  Use this path
                </Button>
              </form>
            </Flex>
            <input ref={filesInput} type="file" multiple hidden data-testid="file-input" onChange={(e) => (picked(e.currentTarget.files), (e.currentTarget.value = ''))} />
            <input
              ref={(el) => {
                folderInput.current = el;
                // Not in React's typings: lets the picker choose a folder and read all of it.
                el?.setAttribute('webkitdirectory', '');
              }}
              type="file"
              hidden
              data-testid="folder-input"
              onChange={(e) => (picked(e.currentTarget.files), (e.currentTarget.value = ''))}
            />
          </CardBody>
        </Card>
      </DropZone>

      {source.status === 'reading' ? <Spinner size="lg" aria-label="Reading the dropped files" /> : null}
      {source.status === 'uploading' ? (
        <Flex direction={{ default: 'column' }} data-testid="upload">
          <ProgressPanel title={`Copying ${source.files} file${source.files === 1 ? '' : 's'} to the engine${source.progress.item ? `: ${source.progress.item}` : ''}`} snapshot={source.progress} testId="upload-progress" />
          <FlexItem>
            <Button variant="link" onClick={cancelUpload}>
              Cancel upload
            </Button>
          </FlexItem>
        </Flex>
      ) : null}
      {source.status === 'planning' ? (
        <Flex alignItems={{ default: 'alignItemsCenter' }} data-testid="planning">
          <Spinner size="md" aria-label="Examining the source" />
          <span>
            Examining <code>{source.path}</code>…
          </span>
        </Flex>
      ) : null}
      {skipped.length > 0 && source.status !== 'error' ? (
        <Alert variant="info" isInline isExpandable title={`${skipped.length} dropped file(s) were not copied: conversion does not need them`}>
          <List>
            {skipped.map((s) => (
              <ListItem key={s.name}>
                <code>{s.name}</code>: {s.reason}
              </ListItem>
            ))}
          </List>
        </Alert>
      ) : null}
      {source.status === 'error' ? <ErrorAlert error={source.error} actions={[{ label: 'Choose another source', onClick: clearSource }]} /> : null}
      {source.status === 'ready' ? (
        <>
          <PlanSummary plan={source.plan} />
          <Flex>
            <Button variant="primary" onClick={() => goTo('options')} data-testid="to-options">
              Next: options
            </Button>
            <Button variant="link" onClick={clearSource}>
              Choose another source
            </Button>
          </Flex>
        </>
      ) : null}

      <FileBrowser
        isOpen={browsing}
        mode="source"
        title="Choose the disk, the VM file or the VM's folder"
        startPath={homeDir}
        onClose={() => setBrowsing(false)}
        onPick={(path) => {
          setBrowsing(false);
          void planPath(path);
        }}
      />
    </div>
  );
}
