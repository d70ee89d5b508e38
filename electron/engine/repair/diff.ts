import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';

/**
 * What a repair shows before it writes: a unified diff per file, in the form `diff -u` and
 * `git diff` print (`--- a/etc/fstab`, `+++ b/etc/fstab`), so administrators read it as they
 * read any patch. A file that does not exist yet is diffed from /dev/null, a removed one to it.
 */
export function unifiedDiff(path: string, before: string | null, after: string | null): string {
  const rel = path.replace(/^\/+/, '');
  const patch = createTwoFilesPatch(before === null ? '/dev/null' : `a/${rel}`, after === null ? '/dev/null' : `b/${rel}`, before ?? '', after ?? '', undefined, undefined, { context: 3 });
  // jsdiff starts with a "====" rule that diff -u does not print; a patch of equal texts is empty.
  const lines = patch.split('\n').filter((line) => !/^=+$/.test(line));
  return lines.some((line) => line.startsWith('@@')) ? lines.join('\n') : '';
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Where the original of an edited guest file is kept, next to it. */
export function backupPath(path: string): string {
  return `${path}.hyper2kvm-orig`;
}
