import { Fragment } from 'react';
import type { ReactNode } from 'react';

/**
 * A file path that wraps only after a separator, never inside a name: "/srv/out/⏎web01.qcow2",
 * not "/srv/out/web0⏎1.qcow2". Each name is kept whole (nowrap); a line break opportunity
 * (<wbr>) follows every slash.
 */
export function PathText({ path, testId }: { path: string; testId?: string }): ReactNode {
  const parts = path.split('/');
  return (
    <code className="h2k-path" data-testid={testId} title={path}>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part ? <span className="h2k-path-part">{part}</span> : null}
          {i < parts.length - 1 ? (
            <>
              /<wbr />
            </>
          ) : null}
        </Fragment>
      ))}
    </code>
  );
}
