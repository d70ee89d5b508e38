import { describe, expect, it } from 'vitest';
import { parseToolVersion, TOOL_COMPONENTS, upstreamVersion } from '../../../electron/engine/host/tool-versions';
import { TOOLS } from '../../../electron/engine/core/tools';

describe('parseToolVersion', () => {
  // `--version` outputs of the Debian 12 tools, as printed on the development machine.
  it.each([
    ['qemu-img', 'qemu-img version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n', '7.2.22'],
    ['qemu-system-x86_64', 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n', '7.2.22'],
    ['guestfish', 'guestfish 1.48.6\n', '1.48.6'],
    ['virsh', '9.0.0\n', '9.0.0'],
    ['virt-xml-validate', '/usr/bin/virt-xml-validate (libvirt) 9.0.0\n', '9.0.0'],
    ['pkexec', 'pkexec version 122\n', '122'],
    ['tesseract', 'tesseract 5.3.0\n leptonica-1.82.0\n  libgif 5.2.1 : libjpeg 6b (libjpeg-turbo 2.1.2) : libpng 1.6.39\n', '5.3.0'],
    // Debian's chromium wrapper prints a shell warning first.
    ['chromium', '/usr/bin/chromium: 9: [: 25276194816: unexpected operator\nChromium 156.0.8078.129 built on Debian GNU/Linux 12 (bookworm)\n', '156.0.8078.129'],
  ])('%s', (_tool, output, version) => {
    expect(parseToolVersion(output)).toBe(version);
  });

  it('gives null when there is no version in the output', () => {
    expect(parseToolVersion('Usage:\n     hivexregedit --merge [--prefix prefix] [--encoding enc] \\\n')).toBeNull();
    expect(parseToolVersion('')).toBeNull();
  });
});

describe('upstreamVersion', () => {
  it.each([
    ['1.3.23-1+b1', '1.3.23'],
    ['1:7.2+dfsg-7+deb12u18+b3', '7.2+dfsg'],
    ['122-3', '122'],
    ['2.5', '2.5'],
  ])('%s → %s', (debian, upstream) => {
    expect(upstreamVersion(debian)).toBe(upstream);
  });
});

describe('TOOL_COMPONENTS', () => {
  it('names the four the issue asks for, with qemu-img the only one conversion cannot do without', () => {
    expect(TOOL_COMPONENTS.map((c) => c.name)).toEqual(expect.arrayContaining(['qemu-img', 'libguestfs', 'libvirt', 'hivex']));
    expect(TOOL_COMPONENTS.filter((c) => c.required).map((c) => c.tool)).toEqual(['qemu-img']);
  });

  it('asks dpkg only for tools without a version flag, and every tool is in the registry', () => {
    for (const c of TOOL_COMPONENTS) expect(TOOLS[c.tool], c.tool).toBeDefined();
    expect(TOOL_COMPONENTS.filter((c) => c.versionArgs === null).map((c) => c.tool)).toEqual(['hivexregedit']);
  });
});
