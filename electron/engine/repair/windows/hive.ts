import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { fail } from '../../core/errors';
import type { ToolRunner } from '../../core/tool-runner';
import { mapLimit, readKey } from '../../inspect/collect-windows';
import { RegTree } from '../../inspect/windows/registry';
import { REPAIR_FAILED } from '../error-codes';
import type { Hive, RegEdit } from './registry-edit';
import { effectiveEdits, HIVE_PREFIX, keysOf, regFile } from './registry-edit';

/**
 * Applies registry edits to a hive on the host: a copy of the hive as downloaded from the guest,
 * `hivexregedit --merge` of the edits as a .reg file, then every edited key read back from the
 * result: an edit that did not land is a failure (and the repair keeps nothing), never a guess.
 */
export async function mergeHive(tools: ToolRunner, signal: AbortSignal, original: string, hive: Hive, edits: readonly RegEdit[], out: string): Promise<{ sha256: string; size: number }> {
  await copyFile(original, out);
  const reg = `${out}.reg`;
  await writeFile(reg, regFile(hive, edits));
  await tools.run('hivexregedit', ['--merge', '--prefix', HIVE_PREFIX[hive], out, reg], {
    signal,
    failureCode: REPAIR_FAILED,
    failureHint: 'Nothing was kept: the disk is as it was before the repair. The evidence shows hivexregedit’s message; the .reg file is in the job folder.',
  });
  const keys = keysOf(edits)[hive];
  const trees = await mapLimit(keys, 2, (key) => readKey(tools, out, { hive, key, mode: 'subtree' }, signal));
  const after = new RegTree();
  for (const tree of trees) after.merge(tree);
  const other = new RegTree();
  // Read back, the edits must all be no-ops: every value holds its data, every deleted key is gone.
  const left = effectiveEdits(edits, hive === 'SYSTEM' ? { SYSTEM: after, SOFTWARE: other } : { SYSTEM: other, SOFTWARE: after });
  if (left.edits.length) {
    const first = left.changes[0]!;
    fail(REPAIR_FAILED, `The ${hive} hive does not hold the repair’s change after merging it: ${first.key}${first.value !== null ? ` "${first.value}"` : ''} is ${first.before ?? 'missing'}.`, 'Nothing was kept: the disk is as it was before the repair. The .reg file merged is in the job folder.', {
      command: ['hivexregedit', '--merge', '--prefix', HIVE_PREFIX[hive], out, reg],
    });
  }
  const data = await readFile(out);
  return { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
}
