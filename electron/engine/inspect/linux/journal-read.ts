import { mkdir } from 'node:fs/promises';
import type { JournalFacts } from '../../../../shared/contract/models/inspection';
import { EngineFailure } from '../../core/errors';
import type { ToolRunner } from '../../core/tool-runner';
import { findTool } from '../../core/tools';
import { journalQueries, parseListBoots, summarizeJournal } from './journal';

/**
 * Reads the guest's journal files (a tar of /var/log/journal copied out of the appliance) with
 * the host's journalctl, through the tool runner: cancellable, and a failure is a note in the
 * report, never a failed inspection. Cancellation propagates.
 */
export async function readGuestJournal(tools: ToolRunner, tarPath: string, dir: string, size: number | null, signal: AbortSignal): Promise<{ journal: JournalFacts | null; notes: string[] }> {
  if (findTool('journalctl') === null) {
    return { journal: null, notes: ["The guest's journal was not read: journalctl is not installed on this host (package systemd)."] };
  }
  try {
    await mkdir(dir, { recursive: true });
    await tools.run('tar', ['-x', '-f', tarPath, '-C', dir, '--no-same-owner', '--no-same-permissions'], { signal });
    const list = await tools.run('journalctl', journalQueries.listBoots(dir), { signal });
    const boots = parseListBoots(list.stdout);
    if (boots === null) return { journal: null, notes: [`The guest's journal was not read: this host's journalctl cannot list boots as JSON (systemd 251 or later is needed).`] };
    const notes: string[] = [];
    const last = boots.find((b) => b.index === 0) ?? boots.at(-1);
    if (!last) {
      // journalctl skips files it cannot read (a newer systemd's format) and says so on stderr.
      const why = list.stderr.trim().split('\n').at(-1);
      notes.push(`The guest's journal files hold no boot this host's journalctl can read${why ? ` (${why})` : ''}.`);
      return { journal: summarizeJournal({ size, boots }), notes };
    }
    const [errors, warnings, events] = await Promise.all([
      tools.run('journalctl', journalQueries.errors(dir, last.bootId), { signal }),
      tools.run('journalctl', journalQueries.warnings(dir, last.bootId), { signal }),
      tools.run('journalctl', journalQueries.events(dir, last.bootId), { signal }),
    ]);
    return { journal: summarizeJournal({ size, boots, lastBoot: { errors: errors.stdout, warnings: warnings.stdout, events: events.stdout } }), notes };
  } catch (error) {
    if (signal.aborted || (error instanceof EngineFailure && error.value.code === 'CANCELLED')) throw error;
    const message = error instanceof EngineFailure ? error.value.message : error instanceof Error ? error.message : String(error);
    return { journal: null, notes: [`The guest's journal could not be read: ${message}`] };
  }
}
