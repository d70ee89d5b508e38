import { useMemo, useRef } from 'react';
import type { ReactNode } from 'react';
import { Label } from '@patternfly/react-core';
import type { PlanProblem } from '../../../../shared/contract/models/batch';
import { marksByLine, offsetOf } from './batch-model';

/**
 * The plan's YAML with its problems in place: a line-numbered editor whose gutter marks every
 * line with an error (red) or a warning (orange), and under it the list of problems, each
 * taking the caret to its line and column. Plain text, monospace, no wrapping: the positions the
 * engine gives are the positions on screen.
 */
export function PlanEditor({ text, problems, onChange }: { text: string; problems: readonly PlanProblem[]; onChange: (text: string) => void }): ReactNode {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lineCount = useMemo(() => text.split('\n').length, [text]);
  const marks = useMemo(() => marksByLine(problems), [problems]);

  const goTo = (p: PlanProblem): void => {
    const el = area.current;
    if (!el) return;
    const at = offsetOf(text, p.line, p.column);
    el.focus();
    el.setSelectionRange(at, at);
    // Bring the line into view: lines have one fixed height.
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 20;
    el.scrollTop = Math.max(0, (p.line - 3) * lineHeight);
  };

  return (
    <div className="h2k-batch-editor-wrap">
      <div className="h2k-batch-editor">
        <div className="h2k-batch-gutter" ref={gutter} aria-hidden>
          {Array.from({ length: lineCount }, (_, i) => {
            const mark = marks.get(i + 1);
            return (
              <div key={i} className={`h2k-batch-gutter-line${mark ? ` h2k-batch-gutter-line--${mark.severity}` : ''}`} title={mark?.messages.join('\n')} data-testid={mark ? 'batch-gutter-mark' : undefined} data-line={i + 1} data-severity={mark?.severity}>
                {i + 1}
              </div>
            );
          })}
        </div>
        <textarea
          ref={area}
          className="h2k-batch-textarea"
          value={text}
          spellCheck={false}
          wrap="off"
          aria-label="Batch plan (YAML)"
          data-testid="batch-editor"
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      {problems.length > 0 ? (
        <ul className="h2k-batch-problems" data-testid="batch-problems" data-errors={problems.filter((p) => p.severity === 'error').length}>
          {problems.map((p, i) => (
            <li key={`${p.line}:${p.column}:${p.code}:${i}`} data-testid="batch-problem" data-line={p.line} data-column={p.column} data-code={p.code} data-severity={p.severity}>
              <button type="button" className="h2k-batch-problem-link" onClick={() => goTo(p)}>
                <Label isCompact color={p.severity === 'error' ? 'red' : 'orange'}>
                  {p.line}:{p.column}
                </Label>{' '}
                {p.message}
              </button>
              {p.hint ? <div className="h2k-muted h2k-batch-problem-hint">{p.hint}</div> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
