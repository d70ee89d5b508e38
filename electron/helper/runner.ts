import { EngineFailure } from '../engine/core/errors';
import type { RunOptions, RunResult, ToolRunner } from '../engine/core/tool-runner';
import { requireTool } from '../engine/core/tools';
import type { ToolName } from '../engine/core/tools';

/**
 * How the helper runs tools: through the engine's tool runner, each command prefixed with
 * `setpriv --pdeathsig=KILL`, so that a qemu-img started by root dies with the helper even when
 * the helper itself is killed outright (the tool runner puts tools in their own process group,
 * which is right for cancelling but would otherwise outlive a SIGKILLed helper). With `user`,
 * the tool also runs with that user's ids and groups instead of root's.
 *
 * The tool's own arguments are untouched: the command after `--` is exactly what the engine
 * runs without the helper.
 */
export function helperToolRunner(base: ToolRunner, user: { uid: number; gid: number } | null = null): ToolRunner {
  const prefix = user === null ? [] : [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups'];
  return {
    async run(tool: ToolName, args: readonly string[], options?: RunOptions): Promise<RunResult> {
      try {
        return await base.run('setpriv', [...prefix, '--pdeathsig=KILL', '--', requireTool(tool), ...args], options);
      } catch (error) {
        throw renamed(error, tool);
      }
    },
  };
}

/** Failures name the tool that failed, not the setpriv in front of it. */
function renamed(error: unknown, tool: ToolName): unknown {
  if (!(error instanceof EngineFailure) || !error.value.message.startsWith('setpriv failed')) return error;
  return new EngineFailure({ ...error.value, message: `${tool}${error.value.message.slice('setpriv'.length)}` });
}
