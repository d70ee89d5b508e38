import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import {
  Breadcrumb,
  BreadcrumbItem,
  Button,
  Checkbox,
  Flex,
  FlexItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  SearchInput,
  Spinner,
  TextInput,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { FolderIcon, FileIcon } from '@patternfly/react-icons';
import type { EngineError } from '../../../shared/contract/errors';
import type { FsEntry } from '../../../shared/contract/api/core';
import { formatBytes } from '../../../shared/format';
import { engine } from '../app/app-store';
import { useSuperseding } from '../app/cancellation';
import { isCancelled } from '../../../shared/rpc/client';
import { toErrorValue } from '../app/errors';
import { ErrorAlert } from './ErrorAlert';
import { breadcrumbs, isSelectable, looksLikeSource, visibleEntries } from './file-browser-model';
import type { PickMode } from './file-browser-model';

interface Listing {
  path: string;
  parent: string | null;
  entries: FsEntry[];
}

/**
 * Browses the file system of the machine the engine runs on (`fs.list`): in a browser the page
 * cannot see that machine's files otherwise, and a multi-GiB VM already on it should not be
 * uploaded to itself.
 */
export function FileBrowser({ isOpen, mode, startPath, title, onPick, onClose }: { isOpen: boolean; mode: PickMode; startPath: string; title: string; onPick: (path: string) => void; onClose: () => void }): ReactNode {
  const [listing, setListing] = useState<Listing | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<EngineError | null>(null);
  const [typed, setTyped] = useState(startPath);
  const [filter, setFilter] = useState('');
  const [showHidden, setShowHidden] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  // Only the folder asked for last matters: opening another one, closing the dialog or leaving
  // the page cancels a listing still running (a large folder on a slow mount).
  const listings = useSuperseding();

  const open = useCallback(
    async (path: string) => {
      const signal = listings.next();
      setLoading(true);
      setError(null);
      try {
        const result = await engine().call('fs.list', { path, showHidden }, { signal });
        setListing(result);
        setTyped(result.path);
        setFilter('');
        setSelected(null);
      } catch (e) {
        if (signal.aborted && isCancelled(e)) return; // a newer listing (or the closing) owns the state now
        setError(toErrorValue(e));
      } finally {
        if (!signal.aborted) setLoading(false);
      }
    },
    [showHidden, listings],
  );

  useEffect(() => {
    if (isOpen) void open(listing?.path ?? startPath);
    else {
      listings.cancel();
      setLoading(false);
    }
    // Reopen where we were when hidden files are toggled; startPath only matters the first time.
  }, [isOpen, showHidden]);

  const shown = listing ? visibleEntries(listing.entries, filter, mode) : { entries: [], hidden: 0 };
  const current = listing?.path ?? null;
  const answer = selected ?? (mode === 'folder' ? current : null);

  return (
    <Modal isOpen={isOpen} onClose={onClose} variant="large" aria-labelledby="file-browser-title" data-testid="file-browser">
      <ModalHeader title={title} labelId="file-browser-title" description="Files on the machine running the engine." />
      <ModalBody>
        <Flex direction={{ default: 'column' }} spaceItems={{ default: 'spaceItemsSm' }}>
          <FlexItem>
            <form
              className="h2k-path-form"
              onSubmit={(e) => {
                e.preventDefault();
                void open(typed);
              }}
            >
              <TextInput aria-label="Folder path" value={typed} onChange={(_e, v) => setTyped(v)} data-testid="file-browser-path" />
              <Button type="submit" variant="secondary" data-testid="file-browser-go">
                Go
              </Button>
            </form>
          </FlexItem>
          {listing ? (
            <FlexItem>
              <Breadcrumb>
                {breadcrumbs(listing.path).map((c) => (
                  <BreadcrumbItem key={c.path} to="#" onClick={(e) => (e.preventDefault(), void open(c.path))} isActive={c.path === listing.path}>
                    {c.label}
                  </BreadcrumbItem>
                ))}
              </Breadcrumb>
            </FlexItem>
          ) : null}
          <FlexItem>
            <Flex>
              <SearchInput placeholder="Filter by name" value={filter} onChange={(_e, v) => setFilter(v)} onClear={() => setFilter('')} aria-label="Filter by name" />
              <Checkbox id="file-browser-hidden" label="Show hidden files" isChecked={showHidden} onChange={(_e, v) => setShowHidden(v)} />
              {loading ? <Spinner size="md" aria-label="Loading folder" /> : null}
            </Flex>
          </FlexItem>
          {error ? (
            <FlexItem>
              <ErrorAlert error={error} />
            </FlexItem>
          ) : null}
          <FlexItem className="h2k-file-list">
            <Table variant="compact" aria-label="Folder contents" isStickyHeader>
              <Thead>
                <Tr>
                  <Th>Name</Th>
                  <Th>Size</Th>
                  <Th>Modified</Th>
                </Tr>
              </Thead>
              <Tbody>
                {listing?.parent ? (
                  <Tr isClickable onRowClick={() => void open(listing.parent!)} data-testid="file-browser-up">
                    <Td>
                      <FolderIcon /> ..
                    </Td>
                    <Td />
                    <Td />
                  </Tr>
                ) : null}
                {shown.entries.map((entry) => {
                  const selectable = isSelectable(entry, mode);
                  return (
                    <Tr
                      key={entry.path}
                      isClickable={selectable}
                      isRowSelected={selected === entry.path}
                      onRowClick={() => selectable && setSelected(entry.path)}
                      onDoubleClick={() => (entry.kind === 'dir' ? void open(entry.path) : selectable ? onPick(entry.path) : undefined)}
                      data-testid="file-browser-entry"
                      data-name={entry.name}
                      className={entry.kind === 'file' && !looksLikeSource(entry.name) ? 'h2k-dim' : undefined}
                    >
                      <Td>
                        {entry.kind === 'dir' ? (
                          <Button variant="link" isInline icon={<FolderIcon />} onClick={(e) => (e.stopPropagation(), void open(entry.path))}>
                            {entry.name}
                          </Button>
                        ) : (
                          <>
                            <FileIcon /> {entry.name}
                          </>
                        )}
                      </Td>
                      <Td>{entry.kind === 'file' ? formatBytes(entry.size) : ''}</Td>
                      <Td>{entry.mtimeMs ? new Date(entry.mtimeMs).toLocaleString() : ''}</Td>
                    </Tr>
                  );
                })}
              </Tbody>
            </Table>
            {shown.hidden > 0 ? <p className="h2k-muted">{shown.hidden} more entries: type part of a name to find them.</p> : null}
            {listing && shown.entries.length === 0 ? <p className="h2k-muted">{mode === 'folder' ? 'No subfolders here.' : 'This folder is empty.'}</p> : null}
          </FlexItem>
        </Flex>
      </ModalBody>
      <ModalFooter>
        <Button variant="primary" isDisabled={!answer} onClick={() => answer && onPick(answer)} data-testid="file-browser-choose">
          {mode === 'folder' ? (selected ? 'Choose selected folder' : 'Choose this folder') : 'Choose'}
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
