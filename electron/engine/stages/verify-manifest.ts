import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ManifestCheck, SourcePlan } from '../../../shared/contract/models/source';
import { fail, throwIfAborted } from '../core/errors';
import type { Stage } from '../core/stage';

const ALGORITHMS: Record<ManifestCheck['algorithm'], string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

/**
 * Checks every file an OVA/OVF manifest lists against its digest before anything is converted:
 * a corrupted download is caught here, with the expected and actual digests as evidence.
 */
export const verifyManifestStage: Stage<SourcePlan, SourcePlan> = {
  id: 'verify',
  label: 'Verify manifest',
  async run(plan, ctx) {
    if (plan.manifest.length === 0) {
      ctx.log('info', plan.kind === 'ova' || plan.kind === 'ovf' ? 'The package has no manifest: nothing to verify' : 'Not an OVF package: nothing to verify');
      return plan;
    }
    const sizes = await Promise.all(plan.manifest.map(async (m) => m.range.size ?? (await stat(m.range.path)).size));
    const total = sizes.reduce((a, b) => a + b, 0);
    let before = 0;
    for (const [i, check] of plan.manifest.entries()) {
      throwIfAborted(ctx.signal);
      const actual = await digest(check, (done) => ctx.progress({ bytesDone: before + done, bytesTotal: total, item: check.file }), ctx.signal);
      if (actual !== check.expected.toLowerCase()) {
        fail('OVA_MANIFEST_MISMATCH', `${check.file} does not match its manifest (${check.algorithm}).`, 'The file is corrupted or was changed after export: download or export it again.', {
          path: check.range.path,
          details: { file: check.file, algorithm: check.algorithm, expected: check.expected, actual },
        });
      }
      before += sizes[i]!;
      ctx.log('info', `${check.file}: ${check.algorithm} matches the manifest`);
    }
    return plan;
  },
};

async function digest(check: ManifestCheck, onBytes: (done: number) => void, signal: AbortSignal): Promise<string> {
  const hash = createHash(ALGORITHMS[check.algorithm]);
  const { path, offset, size } = check.range;
  if (size === 0) return hash.digest('hex');
  const stream = createReadStream(path, size === null ? { start: offset, signal } : { start: offset, end: offset + size - 1, signal });
  let done = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    done += chunk.length;
    onBytes(done);
  }
  return hash.digest('hex');
}
