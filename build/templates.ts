/**
 * The helper's launcher (build/helper/hyper2kvm-helper) and polkit policy
 * (build/polkit/org.hyper2kvm.helper.policy) name the paths of the electron-builder packages.
 * Installs elsewhere — the Debian package built by build/deb, and the tests that run pkexec —
 * render them with their own paths. Each throws when the template no longer has the line it
 * rewrites, so a changed template cannot silently keep its old paths.
 */

/** The launcher with its two paths (the Node runtime and the helper bundle) replaced. */
export function renderLauncher(template: string, runtime: string, script: string): string {
  const rendered = template.replace(/^RUNTIME=.*$/m, `RUNTIME=${runtime}`).replace(/^SCRIPT=.*$/m, `SCRIPT=${script}`);
  if (!rendered.includes(`RUNTIME=${runtime}\n`) || !rendered.includes(`SCRIPT=${script}\n`)) throw new Error('The launcher template no longer has RUNTIME= and SCRIPT= lines');
  return rendered;
}

/** The policy with exec.path (the launcher pkexec matches the action by) replaced. */
export function renderPolicy(template: string, execPath: string): string {
  const rendered = template.replace(/(<annotate key="org\.freedesktop\.policykit\.exec\.path">)[^<]*(<\/annotate>)/, `$1${execPath}$2`);
  if (!rendered.includes(`>${execPath}<`)) throw new Error('The policy template has no exec.path annotation');
  return rendered;
}
