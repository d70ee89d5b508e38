import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { takeDrop } from './drop-reader';
import type { DropInput } from './drop-reader';

/**
 * Files or a folder dropped anywhere on the window while this is mounted. An overlay says
 * where they will go; the inner area is also a visible target with its own instructions.
 */
export function DropZone({ onDrop, pathForFile, disabled, children }: { onDrop: (input: Promise<DropInput>) => void; pathForFile: ((file: File) => string) | null; disabled?: boolean; children: ReactNode }): ReactNode {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const handler = useRef(onDrop);
  handler.current = onDrop;

  useEffect(() => {
    if (disabled) return;
    const carriesFiles = (e: DragEvent): boolean => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const enter = (e: DragEvent): void => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setDragging(true);
    };
    const over = (e: DragEvent): void => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (): void => {
      depth.current = Math.max(depth.current - 1, 0);
      if (depth.current === 0) setDragging(false);
    };
    const drop = (e: DragEvent): void => {
      depth.current = 0;
      setDragging(false);
      if (!e.dataTransfer || !carriesFiles(e)) return;
      e.preventDefault();
      const read = takeDrop(e.dataTransfer, pathForFile);
      handler.current(read());
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [disabled, pathForFile]);

  return (
    <div className={`h2k-dropzone${dragging ? ' h2k-dropzone--active' : ''}`} data-testid="drop-zone" data-dragging={dragging}>
      {children}
      {dragging ? (
        <div className="h2k-drop-overlay" aria-hidden="true">
          <div>Drop the disk, the VM's files or its folder</div>
        </div>
      ) : null}
    </div>
  );
}
