import { describe, expect, it } from 'vitest';
import { engineError } from '../../../shared/contract/errors';
import type { EngineError } from '../../../shared/contract/errors';
import type { KvmStatus } from '../../../electron/engine/core/accel';
import {
  agentCheck,
  cpuVirtualization,
  findAgents,
  kernelCheck,
  kvmCheck,
  libvirtCheck,
  LOW_SPACE_BYTES,
  NO_SPACE_BYTES,
  ovmfCheck,
  parseVirshVersion,
  polkitCheck,
  spaceChecks,
  toolCheck,
} from '../../../electron/engine/host/checks';
import type { PolkitFacts } from '../../../electron/engine/host/checks';
import { TOOL_COMPONENTS } from '../../../electron/engine/host/tool-versions';

const component = (tool: string) => TOOL_COMPONENTS.find((c) => c.tool === tool)!;

describe('toolCheck', () => {
  it('reports the version and path of a tool that is there', () => {
    const check = toolCheck(component('guestfish'), { name: 'libguestfs', tool: 'guestfish', path: '/usr/bin/guestfish', version: '1.48.6', versionFrom: 'tool', package: 'libguestfs-tools' });
    expect(check).toMatchObject({ id: 'tool:guestfish', status: 'ok', summary: '1.48.6, /usr/bin/guestfish' });
  });

  it('says which package a version read from dpkg is of', () => {
    const check = toolCheck(component('hivexregedit'), { name: 'hivex', tool: 'hivexregedit', path: '/usr/bin/hivexregedit', version: '1.3.23', versionFrom: 'dpkg', package: 'libhivex-bin' });
    expect(check.summary).toBe('1.3.23 (package libhivex-bin), /usr/bin/hivexregedit');
  });

  it.each([
    ['qemu-img', 'problem', 'sudo apt-get install qemu-utils'],
    ['guestfish', 'warning', 'sudo apt-get install libguestfs-tools'],
    ['tesseract', 'warning', 'sudo apt-get install tesseract-ocr'],
  ])('a missing %s is a %s, with the package to install', (tool, status, fix) => {
    const c = component(tool);
    const check = toolCheck(c, { name: c.name, tool: c.tool, path: null, version: null, versionFrom: null, package: fix.split(' ').at(-1)! });
    expect(check).toMatchObject({ status, fix });
    expect(check.summary).toContain(c.usedFor);
  });
});

describe('cpuVirtualization', () => {
  it.each([
    ['flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic vmx smx est\n', 'vmx'],
    ['flags\t\t: fpu vme de pse tsc svm extapic\n', 'svm'],
    // A nested guest whose host hides the extensions.
    ['flags\t\t: fpu vme de pse tsc msr pae mce hypervisor lahf_lm\n', null],
    ['', null],
  ])('%#', (cpuinfo, expected) => {
    expect(cpuVirtualization(cpuinfo)).toBe(expected);
  });
});

describe('kvmCheck', () => {
  const qemuAbort: KvmStatus = {
    usable: false,
    reason: 'qemu-failed',
    detail: 'Could not start qemu-system-x86_64: Command was killed with SIGABRT (Aborted)',
    // What qemu 7.2 prints on the development machines' nested KVM.
    stderrTail: "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\nqemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.",
  };

  it.each<[string, KvmStatus, 'vmx' | 'svm' | null, string, RegExp, RegExp | null]>([
    ['works', { usable: true, reason: 'works', detail: '' }, 'vmx', 'ok', /usable/, null],
    ['forced on', { usable: true, reason: 'forced', detail: 'HYPER2KVM_ACCEL=kvm' }, null, 'ok', /HYPER2KVM_ACCEL=kvm \(not probed\)/, null],
    ['forced off', { usable: false, reason: 'forced', detail: 'HYPER2KVM_ACCEL=tcg' }, 'vmx', 'warning', /HYPER2KVM_ACCEL=tcg/, /Unset HYPER2KVM_ACCEL/],
    ['no device, CPU has VT-x', { usable: false, reason: 'no-device', detail: '' }, 'vmx', 'warning', /Intel VT-x/, /modprobe kvm_intel/],
    ['no device, CPU has AMD-V', { usable: false, reason: 'no-device', detail: '' }, 'svm', 'warning', /AMD-V/, /modprobe kvm_amd/],
    ['no device, no extensions', { usable: false, reason: 'no-device', detail: '' }, null, 'warning', /offers no hardware virtualization/, /nested virtualization/],
    ['no permission', { usable: false, reason: 'no-access', detail: '' }, 'vmx', 'warning', /cannot open \/dev\/kvm/, /adduser "\$USER" kvm/],
    ['qemu aborts', qemuAbort, null, 'warning', /failed to set MSR 0x10a to 0x69/, /nested virtualization/],
  ])('%s', (_name, status, cpu, expectedStatus, summary, fix) => {
    const check = kvmCheck(status, cpu);
    expect(check.status).toBe(expectedStatus);
    expect(check.summary).toMatch(summary);
    if (fix) expect(check.fix).toMatch(fix);
    else expect(check.fix).toBeUndefined();
    if (!status.usable && status.reason !== 'forced') expect(check.fix).toMatch(/TCG/);
  });

  it('keeps qemu’s stderr as evidence', () => {
    expect(kvmCheck(qemuAbort, null).evidence).toContain('kvm_buf_set_msrs');
  });
});

describe('libvirtCheck', () => {
  const failed = (stderr: string, code = 'TOOL_FAILED'): { ok: false; error: EngineError } => ({
    ok: false,
    error: engineError(code, `virsh failed: ${stderr.trim().split('\n').at(-1)}`, '', { command: ['/usr/bin/virsh', '-c', 'qemu:///system', 'version'], exitCode: 1, stderrTail: stderr }),
  });

  it('parses the versions of a daemon that answers', () => {
    const stdout = 'Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.22\n\n';
    expect(parseVirshVersion(stdout)).toEqual({ library: '9.0.0', hypervisor: 'QEMU 7.2.22' });
    expect(libvirtCheck('qemu:///system', { ok: true, stdout }, true)).toMatchObject({ status: 'ok', summary: 'qemu:///system answers: libvirt 9.0.0, QEMU 7.2.22.' });
  });

  const notRunning = "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n";

  it.each<[string, ReturnType<typeof failed> | { ok: false; missing: true }, boolean, RegExp, RegExp]>([
    ['daemon installed but not running', failed(notRunning), true, /libvirtd is not running/, /systemctl start libvirtd.*libvirtd -d/],
    ['daemon not installed', failed(notRunning), false, /libvirtd is not installed/, /apt-get install libvirt-daemon-system/],
    [
      'user without the right (polkit)',
      failed("error: failed to connect to the hypervisor\nerror: authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'\n"),
      true,
      /refused this user/,
      /adduser "\$USER" libvirt/,
    ],
    ['user without the right (socket mode)', failed("error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied\n"), true, /refused this user/, /libvirt group/],
    ['virsh missing', { ok: false, missing: true }, true, /virsh is not installed/, /apt-get install libvirt-clients/],
    ['no answer in time', failed('', 'CANCELLED'), true, /did not answer within 15 s/, /systemctl status libvirtd/],
  ])('%s', (_name, outcome, daemonInstalled, summary, fix) => {
    const check = libvirtCheck('qemu:///system', outcome, daemonInstalled);
    expect(check.status).toBe('warning');
    expect(check.summary).toMatch(summary);
    expect(check.summary).toMatch(/Converting works without it/);
    expect(check.fix).toMatch(fix);
  });
});

describe('spaceChecks', () => {
  const GiB = 1024 ** 3;
  it('reports folders on one file system together, and each file system on its own', () => {
    const checks = spaceChecks([
      { purpose: 'converted disks', path: '/srv/out', existing: '/srv', device: 1, freeBytes: 500 * GiB },
      { purpose: 'job records', path: '/root/.local/share/hyper2kvm', existing: '/root', device: 2, freeBytes: 30 * GiB },
      { purpose: 'libguestfs appliance', path: '/var/tmp', existing: '/var/tmp', device: 2, freeBytes: 30 * GiB },
    ]);
    expect(checks.map((c) => c.summary)).toEqual(['500.0 GiB free for /srv/out (converted disks).', '30.0 GiB free for /root/.local/share/hyper2kvm (job records), /var/tmp (libguestfs appliance).']);
    expect(checks.every((c) => c.status === 'ok' && c.fix === undefined)).toBe(true);
  });

  it.each([
    [LOW_SPACE_BYTES, 'ok'],
    [LOW_SPACE_BYTES - 1, 'warning'],
    [NO_SPACE_BYTES, 'warning'],
    [NO_SPACE_BYTES - 1, 'problem'],
  ])('%d bytes free → %s', (freeBytes, status) => {
    const [check] = spaceChecks([{ purpose: 'converted disks', path: '/out', existing: '/out', device: 1, freeBytes }]);
    expect(check!.status).toBe(status);
    if (status !== 'ok') expect(check!.fix).toMatch(/--out DIR/);
  });
});

describe('polkitCheck', () => {
  const installed: PolkitFacts = {
    root: false,
    policy: { path: '/usr/share/polkit-1/actions/org.hyper2kvm.helper.policy', execPath: '/usr/libexec/hyper2kvm/hyper2kvm-helper' },
    launcher: { exists: true, safe: true },
    polkitd: 'answers',
  };

  it.each<[string, PolkitFacts, string, RegExp, RegExp | null]>([
    ['installed and answering', installed, 'ok', /policy and helper installed \(\/usr\/libexec\/hyper2kvm\/hyper2kvm-helper\); polkitd answers/, null],
    ['not installed, a user', { ...installed, policy: null, launcher: null }, 'warning', /not installed.*generic "run a program as root"/, /npm run package:deb/],
    ['not installed, root', { ...installed, root: true, policy: null, launcher: null }, 'ok', /Running as root/, null],
    ['launcher missing', { ...installed, launcher: { exists: false, safe: false } }, 'warning', /names \/usr\/libexec\/hyper2kvm\/hyper2kvm-helper, which is not there/, /--reinstall hyper2kvm/],
    ['launcher writable by others', { ...installed, launcher: { exists: true, safe: false } }, 'warning', /can be changed by users other than root/, /--reinstall/],
    ['no polkitd', { ...installed, polkitd: 'no-authority' }, 'warning', /polkitd does not answer/, /systemctl start polkit/],
    ['no polkitd, but root', { ...installed, root: true, polkitd: 'no-authority' }, 'ok', /Running as root/, null],
    ['action unknown', { ...installed, polkitd: 'unknown-action' }, 'warning', /does not know the action/, /restart polkit/],
    ['no pkaction', { ...installed, polkitd: 'no-pkaction' }, 'warning', /polkit's tools are missing/, /apt-get install polkitd pkexec/],
  ])('%s', (_name, facts, status, summary, fix) => {
    const check = polkitCheck(facts);
    expect(check.status).toBe(status);
    expect(check.summary).toMatch(summary);
    if (fix) expect(check.fix).toMatch(fix);
    else expect(check.fix).toBeUndefined();
  });
});

describe('polkit agents', () => {
  it("finds known agents among this user's processes only", () => {
    const processes = [
      { uid: 1000, argv0: '/usr/libexec/polkit-mate-authentication-agent-1' },
      { uid: 1000, argv0: '/usr/bin/gnome-shell' },
      { uid: 1001, argv0: '/usr/lib/x86_64-linux-gnu/libexec/polkit-kde-authentication-agent-1' },
      { uid: 1000, argv0: 'bash' },
      { uid: 1000, argv0: '/usr/bin/gnome-shell' },
    ];
    expect(findAgents(processes, 1000)).toEqual(['gnome-shell', 'polkit-mate-authentication-agent-1']);
    expect(findAgents(processes, 1002)).toEqual([]);
  });

  it.each([
    [{ root: true, agents: [], terminal: false }, 'ok', /not needed: running as root/],
    [{ root: false, agents: ['gnome-shell'], terminal: false }, 'ok', /gnome-shell running/],
    [{ root: false, agents: [], terminal: true }, 'ok', /asks for the password in the terminal/],
    [{ root: false, agents: [], terminal: false }, 'warning', /will be refused/],
  ])('%#', (facts, status, summary) => {
    const check = agentCheck(facts);
    expect(check.status).toBe(status);
    expect(check.summary).toMatch(summary);
  });
});

describe('kernelCheck and ovmfCheck', () => {
  it('needs a readable kernel for the appliance', () => {
    const readable = kernelCheck([{ path: '/boot/vmlinuz-6.1.0-57-amd64', readable: true }]);
    expect([readable.status, readable.summary]).toEqual(['ok', '/boot/vmlinuz-6.1.0-57-amd64 (libguestfs builds its appliance from it).']);
    const unreadable = kernelCheck([{ path: '/boot/vmlinuz-6.1.0-57-amd64', readable: false }]);
    expect(unreadable.status).toBe('warning');
    expect(unreadable.fix).toMatch(/chmod 0644/);
    expect(kernelCheck([])).toMatchObject({ status: 'warning', fix: 'sudo apt-get install linux-image-amd64' });
  });

  it('names OVMF, or says to install it', () => {
    expect(ovmfCheck('/usr/share/OVMF/OVMF_CODE_4M.fd')).toMatchObject({ status: 'ok' });
    expect(ovmfCheck(null)).toMatchObject({ status: 'warning', fix: 'sudo apt-get install ovmf' });
  });
});
