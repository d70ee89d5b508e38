import { describe, expect, it } from 'vitest';
import { helperExitError } from '../../../electron/engine/privilege/helper-client';

/** What the client tells the user when the helper process ends, from pkexec's exit and stderr. */
describe('helperExitError', () => {
  const command = ['/opt/hyper2kvm/resources/helper/hyper2kvm-helper'];
  it.each([
    ['dismissed', { code: 126, stderr: 'Error executing command as another user: Request dismissed\n', elevated: true }, 'PRIVILEGE_DENIED', /dismissed/],
    ['not authorised (as pkexec prints it here)', { code: 127, stderr: 'Error executing command as another user: Not authorized\n\nThis incident has been reported.\n', elevated: true }, 'PRIVILEGE_DENIED', /not authorised/],
    ['no agent', { code: 127, stderr: 'Error executing command as another user: No authentication agent found.\n', elevated: true }, 'PRIVILEGE_DENIED', /no polkit authentication agent/],
    ['no textual agent (no tty)', { code: 127, stderr: "Error creating textual authentication agent: Error opening current controlling terminal for the process (`/dev/tty'): No such device or address\n", elevated: true }, 'PRIVILEGE_DENIED', /no polkit authentication agent/],
    ['no polkit', { code: 127, stderr: 'Error getting authority: Error initializing authority: Could not connect: No such file or directory\n', elevated: true }, 'PRIVILEGE_DENIED', /polkit is not running/],
    ['helper not installed', { code: 127, stderr: 'Error accessing /opt/hyper2kvm/resources/helper/hyper2kvm-helper: No such file or directory\n', elevated: true }, 'HELPER_FAILED', /not installed where the app expects it/],
    ['helper refused to start', { code: 2, stderr: 'hyper2kvm-helper[9]: refusing to start: refusing /etc/hyper2kvm/helper.json: it is writable by group or others\n', elevated: true }, 'HELPER_FAILED', /exit code 2: .*writable by group or others/],
    ['127 from a helper started directly is just an exit code', { code: 127, stderr: '', elevated: false }, 'HELPER_FAILED', /exit code 127\.$/],
  ])('%s', (_name, exit, code, message) => {
    const error = helperExitError({ code: exit.code, signal: null, stderrTail: exit.stderr, elevated: exit.elevated, command });
    expect(error.code).toBe(code);
    expect(error.kind).toBe('failure');
    expect(error.message).toMatch(message);
    expect(error.hint.length).toBeGreaterThan(20);
    expect(error.evidence).toMatchObject({ command, exitCode: exit.code, stderrTail: exit.stderr.trim() });
  });

  it('names the signal that killed the helper', () => {
    const error = helperExitError({ code: null, signal: 'SIGKILL', stderrTail: 'hyper2kvm-helper[9]: #3 disk.convert\n', elevated: true, command });
    expect(error).toMatchObject({ code: 'HELPER_FAILED', evidence: { signal: 'SIGKILL' } });
    expect(error.message).toBe('The privileged helper was killed by SIGKILL: hyper2kvm-helper[9]: #3 disk.convert');
  });
});
