/**
 * hyper2kvm(1), generated from `hyper2kvm --help` so the manual never says something the
 * command does not. The help text has a fixed shape (electron/cli/main.ts generalHelp):
 *
 *   hyper2kvm — SUMMARY
 *   (blank)
 *   Usage: …
 *   (blank)
 *   Commands:
 *     NAME  SUMMARY            one line per command
 *   (blank)
 *   general notes             paragraphs, up to the first command's usage line
 *   hyper2kvm NAME USAGE…     then per command: its usage, its help indented by four
 *       help…                 spaces, and a blank line
 *
 * Anything else is an error: a changed help layout must be noticed here, not shipped garbled.
 */

export interface HelpDocument {
  summary: string;
  usage: string;
  commands: Array<{ name: string; summary: string }>;
  notes: string[];
  details: Array<{ usage: string; help: string[] }>;
}

export function parseHelp(help: string): HelpDocument {
  const lines = help.replace(/\n+$/, '').split('\n');
  const title = /^hyper2kvm — (.+)$/.exec(lines[0] ?? '');
  if (!title) throw new Error('--help does not start with "hyper2kvm — SUMMARY"');
  const usageLine = lines.find((l) => l.startsWith('Usage: '));
  if (!usageLine) throw new Error('--help has no "Usage:" line');
  const start = lines.indexOf('Commands:');
  if (start < 0) throw new Error('--help has no "Commands:" list');
  const commands: HelpDocument['commands'] = [];
  let i = start + 1;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const m = /^ {2}(\S+)\s{2,}(.+)$/.exec(lines[i]!);
    if (!m) throw new Error(`--help: "${lines[i]}" is not a command line of the Commands list`);
    commands.push({ name: m[1]!, summary: m[2]! });
  }
  const notes: string[] = [];
  for (i++; i < lines.length && !lines[i]!.startsWith('hyper2kvm '); i++) if (lines[i]!.trim()) notes.push(lines[i]!);
  const details: HelpDocument['details'] = [];
  while (i < lines.length) {
    const usage = lines[i]!;
    if (!usage.startsWith('hyper2kvm ')) throw new Error(`--help: expected a command's usage line, found "${usage}"`);
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== ''; i++) {
      if (!lines[i]!.startsWith('    ') && lines[i]!.trim() !== '') throw new Error(`--help: "${lines[i]}" is not indented under ${usage.split(' ').slice(0, 2).join(' ')}`);
      body.push(lines[i]!.slice(4));
    }
    details.push({ usage, help: body });
    i++;
  }
  if (details.length !== commands.length) throw new Error(`--help lists ${commands.length} commands but details ${details.length}`);
  return { summary: title[1]!, usage: usageLine.slice('Usage: '.length), commands, notes, details };
}

/** Text for roff: backslashes, hyphens (so options copy as ASCII), and lines that would be requests. */
export function roffEscape(text: string): string {
  const escaped = text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/—/g, '\\(em').replace(/…/g, '...');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

export interface ManPageMeta {
  version: string;
  /** YYYY-MM-DD: the commit's date, so that a rebuild of the same sources is the same page. */
  date: string;
}

export function manPage(help: string, meta: ManPageMeta): string {
  const doc = parseHelp(help);
  const out: string[] = [
    '.\\" Generated from `hyper2kvm --help` by build/deb/man-page.ts. Do not edit.',
    `.TH HYPER2KVM 1 "${meta.date}" "hyper2kvm ${roffEscape(meta.version)}" "User Commands"`,
    '.SH NAME',
    `hyper2kvm \\- ${roffEscape(doc.summary)}`,
    '.SH SYNOPSIS',
    `.B hyper2kvm`,
    roffEscape(doc.usage.replace(/^hyper2kvm\s+/, '').replace(/\s{2,}/g, ' ')),
    '.SH DESCRIPTION',
    'Converts VMware virtual machines to KVM/libvirt, inspects and repairs the guest offline, and proves that it boots. The same engine runs the wizard',
    '.RB ( "hyper2kvm serve" ).',
    '.PP',
    ...doc.notes.map(roffEscape),
    '.SH COMMANDS',
  ];
  for (const [index, command] of doc.commands.entries()) {
    const detail = doc.details[index]!;
    out.push(`.SS ${command.name}`, `${roffEscape(command.summary)}.`, '.PP', `.B ${roffEscape(detail.usage)}`, '.PP', '.RS 4', '.nf');
    for (const line of detail.help) out.push(line.trim() ? roffEscape(line) : '');
    out.push('.fi', '.RE');
  }
  out.push(
    '.SH ENVIRONMENT',
    '.TP',
    '.B HYPER2KVM_HOME',
    'Where job records are kept (default: ~/.local/share/hyper2kvm).',
    '.TP',
    '.B HYPER2KVM_OUT_DIR',
    'The default folder for converted disks (default: ~/hyper2kvm\\-output).',
    '.TP',
    '.B HYPER2KVM_ACCEL',
    '.B kvm',
    'or',
    '.B tcg',
    'forces the accelerator for guests and inspection appliances instead of probing KVM.',
    '.SH FILES',
    '.TP',
    '.I ~/.local/share/hyper2kvm/jobs/',
    'One folder per run: job.json (request, equivalent command line, stage timings, result), events.jsonl, reports, boot evidence.',
    '.TP',
    '.I /usr/share/polkit\\-1/actions/org.hyper2kvm.helper.policy',
    'The polkit action that lets the privileged helper write converted disks into system folders such as /var/lib/libvirt/images.',
    '.TP',
    '.I /etc/hyper2kvm/helper.json',
    'Extra folders the helper may write into (optional; only root may be able to change it).',
    '.SH "SEE ALSO"',
    '.BR qemu\\-img (1),',
    '.BR virsh (1),',
    '.BR guestfish (1),',
    '.BR pkexec (1)',
  );
  return out.join('\n') + '\n';
}
