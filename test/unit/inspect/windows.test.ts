import { describe, expect, it } from 'vitest';
import { parseRegText, RegTree } from '../../../electron/engine/inspect/windows/registry';
import { controlSetName, driverBootsDisk, registryReads, startName, windowsFacts } from '../../../electron/engine/inspect/windows/facts';

/** hivexregedit --export output (strings come out as UTF-16LE hex(1)), from the win2019 test hive. */
const TCPIP_EXPORT = `Windows Registry Editor Version 5.00

[\\ControlSet001\\Services\\Tcpip\\Parameters]
"Domain"=hex(1):63,00,6f,00,72,00,70,00,2e,00,65,00,78,00,61,00,6d,00,70,00,6c,00,65,00,00,00
"Hostname"=hex(1):68,00,32,00,6b,00,2d,00,77,00,69,00,6e,00,32,00,30,00,31,00,39,00,00,00

[\\ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces]

[\\ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces\\{6B3A2F1C-4D5E-4A7B-9C8D-1E2F3A4B5C6D}]
"DefaultGateway"=hex(7):31,00,30,00,2e,00,32,00,30,00,2e,00,33,00,30,00,2e,00,31,00,00,00,00,00
"EnableDHCP"=dword:00000000
"IPAddress"=hex(7):31,00,30,00,2e,00,32,00,30,00,2e,00,33,00,30,00,2e,00,32,00,31,00,00,00,00,00
"NameServer"=hex(1):31,00,30,00,2e,00,32,00,30,00,2e,00,33,00,30,00,2e,00,32,00,2c,00,31,00,30,00,2e,00,32,00,30,00,2e,00,33,00,30,00,2e,00,33,00,00,00
"SubnetMask"=hex(7):32,00,35,00,35,00,2e,00,32,00,35,00,35,00,2e,00,32,00,35,00,35,00,2e,00,30,00,00,00,00,00

[\\ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces\\{7C4B3A2D-5E6F-4B8C-8D9E-2F3A4B5C6D7E}]
"DhcpDefaultGateway"=hex(7):31,00,39,00,32,00,2e,00,31,00,36,00,38,00,2e,00,37,00,37,00,2e,00,31,00,00,00,00,00
"DhcpIPAddress"=hex(1):31,00,39,00,32,00,2e,00,31,00,36,00,38,00,2e,00,37,00,37,00,2e,00,35,00,30,00,00,00
"DhcpNameServer"=hex(1):31,00,39,00,32,00,2e,00,31,00,36,00,38,00,2e,00,37,00,37,00,2e,00,31,00,00,00
"DhcpSubnetMask"=hex(1):32,00,35,00,35,00,2e,00,32,00,35,00,35,00,2e,00,32,00,35,00,35,00,2e,00,30,00,00,00
"EnableDHCP"=dword:00000001
"Lease"=dword:00015180
`;

/** hivexget output for one key (strings decoded, types in decimal), from the win2019 test hive. */
const CURRENT_VERSION_GET = `"CurrentBuild"="17763"
"CurrentBuildNumber"="17763"
"CurrentMajorVersionNumber"=dword:0000000a
"CurrentMinorVersionNumber"=dword:00000000
"CurrentVersion"="6.3"
"EditionID"="ServerStandard"
"InstallationType"="Server"
"InstallDate"=dword:5e6ca418
"ProductName"="Windows Server 2019 Standard"
"RegisteredOwner"="Windows User"
"ReleaseId"="1809"
"SystemRoot"="C:\\\\Windows"
"UBR"=dword:00001730
"InstallTime"=hex(11):00,c0,7d,3d,63,f6,d5,01
`;

const ENVIRONMENT_GET = `"ComSpec"=str(2):"%SystemRoot%\\\\system32\\\\cmd.exe"
"OS"="Windows_NT"
"APP_CONFIG_DIR"="D:\\\\AppConfig"
`;

const UNINSTALL_EXPORT = `Windows Registry Editor Version 5.00

[\\Microsoft\\Windows\\CurrentVersion\\Uninstall]

[\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\7-Zip]
"DisplayName"="7-Zip 23.01 (x64)"
"DisplayVersion"="23.01"
"Publisher"="Igor Pavlov"

[\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{8B2E1C7A-5D3F-4E9A-B1C6-0F2D4A6E8C10}]
"DisplayName"="VMware Tools"
"DisplayVersion"="12.3.5.22544099"
"Publisher"="VMware, Inc."
"URLInfoAbout"="http://www.vmware.com"

[\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{SEP}]
"DisplayName"="Symantec Endpoint Protection"
"DisplayVersion"="14.3.558.0000"
"Publisher"="Broadcom"
`;

const WOW_EXPORT = `Windows Registry Editor Version 5.00

[\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall]

[\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Google Chrome]
"DisplayName"="Google Chrome"
"DisplayVersion"="120.0.6099.130"
"InstallLocation"="C:\\\\Program Files (x86)\\\\Google\\\\Chrome\\\\Application"
`;

const GPO_EXPORT = `Windows Registry Editor Version 5.00

[\\Microsoft\\Windows\\CurrentVersion\\Group Policy\\History]

[\\Microsoft\\Windows\\CurrentVersion\\Group Policy\\History\\{31B2F340-016D-11D2-945F-00C04FB984F9}]

[\\Microsoft\\Windows\\CurrentVersion\\Group Policy\\History\\{31B2F340-016D-11D2-945F-00C04FB984F9}\\0]
"GPOLink"=dword:00000003
`;

const SERVICE_EXPORT = (name: string, start: number, override?: Record<string, number>): string =>
  [
    'Windows Registry Editor Version 5.00',
    '',
    `[\\ControlSet001\\Services\\${name}]`,
    '"Group"=hex(1):53,00,43,00,53,00,49,00,20,00,6d,00,69,00,6e,00,69,00,70,00,6f,00,72,00,74,00,00,00',
    `"Start"=dword:${start.toString(16).padStart(8, '0')}`,
    '',
    ...(override ? [`[\\ControlSet001\\Services\\${name}\\StartOverride]`, ...Object.entries(override).map(([k, v]) => `"${k}"=dword:${v.toString(16).padStart(8, '0')}`), ''] : []),
  ].join('\n');

function system(...exports: string[]): RegTree {
  const tree = new RegTree();
  for (const text of exports) tree.merge(parseRegText(text, 16));
  return tree;
}

function valuesAt(key: string, text: string): RegTree {
  const tree = new RegTree();
  tree.merge(parseRegText(text, 10), key);
  return tree;
}

describe('registry text', () => {
  it('decodes hivexregedit exports: UTF-16 strings, multi-strings, dwords, binary; keys case-insensitively', () => {
    const tree = parseRegText(TCPIP_EXPORT, 16);
    const key = 'ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces\\{6B3A2F1C-4D5E-4A7B-9C8D-1E2F3A4B5C6D}';
    expect(tree.string('controlset001\\services\\tcpip\\parameters', 'hostname')).toBe('h2k-win2019');
    expect(tree.value(key, 'IPAddress')).toEqual({ type: 'multi-string', value: ['10.20.30.21'] });
    expect(tree.number(key, 'EnableDHCP')).toBe(0);
    expect(tree.strings(key, 'NameServer')).toEqual(['10.20.30.2', '10.20.30.3']);
    expect(tree.subkeys('ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces')).toEqual(['{6B3A2F1C-4D5E-4A7B-9C8D-1E2F3A4B5C6D}', '{7C4B3A2D-5E6F-4B8C-8D9E-2F3A4B5C6D7E}']);
  });

  it('decodes hivexget output: quoted strings with escapes, str(2) expand strings, decimal hex(11) qwords', () => {
    const tree = parseRegText(CURRENT_VERSION_GET + ENVIRONMENT_GET, 10);
    expect(tree.string('', 'SystemRoot')).toBe('C:\\Windows');
    expect(tree.value('', 'InstallTime')).toEqual({ type: 'qword', value: 0x01d5f6633d7dc000n });
    expect(tree.value('', 'ComSpec')).toEqual({ type: 'expand-string', value: '%SystemRoot%\\system32\\cmd.exe' });
  });

  it('joins lines continued with a backslash (regedit wraps long hex values)', () => {
    const tree = parseRegText('[\\K]\n"Bin"=hex:01,02,\\\n  03,04\n"After"=dword:00000001\n', 16);
    expect(tree.value('K', 'Bin')).toEqual({ type: 'binary', value: Buffer.from([1, 2, 3, 4]), rawType: 3 });
    expect(tree.number('K', 'After')).toBe(1);
  });

  it('finds the current control set', () => {
    expect(controlSetName(valuesAt('Select', '"Current"=dword:00000002\n'))).toBe('ControlSet002');
    expect(controlSetName(new RegTree())).toBeNull();
    expect(registryReads('ControlSet002').every((r) => r.hive === 'SOFTWARE' || r.key.startsWith('ControlSet002\\'))).toBe(true);
  });

  it.each([
    [0, 'boot'],
    [1, 'system'],
    [2, 'auto'],
    [3, 'demand'],
    [4, 'disabled'],
    [9, 'unknown'],
    [null, null],
  ] as const)('start type %s is %s', (value, name) => {
    expect(startName(value)).toBe(name);
  });
});

describe('windowsFacts', () => {
  const software = new RegTree();
  software.merge(valuesAt('Microsoft\\Windows NT\\CurrentVersion', CURRENT_VERSION_GET));
  software.merge(parseRegText(UNINSTALL_EXPORT, 16));
  software.merge(parseRegText(WOW_EXPORT, 16));
  software.merge(parseRegText(GPO_EXPORT, 16));

  const base = system(TCPIP_EXPORT, SERVICE_EXPORT('pvscsi', 0), SERVICE_EXPORT('VMTools', 2));
  base.merge(valuesAt('ControlSet001\\Control\\Session Manager\\Environment', ENVIRONMENT_GET));
  base.merge(valuesAt('ControlSet001\\Control\\Session Manager\\Power', '"HiberbootEnabled"=dword:00000001\n'));
  base.merge(valuesAt('ControlSet001\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\DomainProfile', '"EnableFirewall"=dword:00000001\n'));
  base.merge(valuesAt('ControlSet001\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\PublicProfile', '"EnableFirewall"=dword:00000000\n'));

  const { facts, applications, network } = windowsFacts({ system: base, software, controlSet: 'ControlSet001', systemRoot: '/Windows', hiberfil: { present: true, header: 'wake' } });

  it('reads identity, version and install date', () => {
    expect(facts).toMatchObject({
      productName: 'Windows Server 2019 Standard',
      editionId: 'ServerStandard',
      installationType: 'Server',
      currentVersion: '6.3',
      majorVersion: 10,
      minorVersion: 0,
      build: '17763',
      ubr: 0x1730,
      displayVersion: '1809',
      installDate: '2020-03-14T09:30:00.000Z',
      registeredOwner: 'Windows User',
      hostname: 'h2k-win2019',
      domain: 'corp.example',
      systemRoot: '/Windows',
    });
  });

  it('reads both Uninstall views as applications', () => {
    expect(applications.map((a) => [a.origin, a.name, a.displayName, a.version])).toEqual([
      ['uninstall', '7-Zip', '7-Zip 23.01 (x64)', '23.01'],
      ['uninstall', '{8B2E1C7A-5D3F-4E9A-B1C6-0F2D4A6E8C10}', 'VMware Tools', '12.3.5.22544099'],
      ['uninstall', '{SEP}', 'Symantec Endpoint Protection', '14.3.558.0000'],
      ['uninstall-wow64', 'Google Chrome', 'Google Chrome', '120.0.6099.130'],
    ]);
    expect(applications[3]!.installPath).toBe('C:\\Program Files (x86)\\Google\\Chrome\\Application');
  });

  it('reads adapters (static and DHCP lease) into network configurations', () => {
    expect(facts.networkAdapters.map((a) => [a.id, a.dhcp, a.addresses, a.gateways, a.dns, a.dhcpAddress])).toEqual([
      ['{6B3A2F1C-4D5E-4A7B-9C8D-1E2F3A4B5C6D}', false, ['10.20.30.21/24'], ['10.20.30.1'], ['10.20.30.2', '10.20.30.3'], null],
      ['{7C4B3A2D-5E6F-4B8C-8D9E-2F3A4B5C6D7E}', true, [], ['192.168.77.1'], ['192.168.77.1'], '192.168.77.50/24'],
    ]);
    expect(network.map((n) => [n.method, n.addresses, n.gateway])).toEqual([
      ['static', ['10.20.30.21/24'], '10.20.30.1'],
      ['dhcp', ['192.168.77.50/24'], '192.168.77.1'],
    ]);
  });

  it('reads firewall profiles, environment, VMware Tools, Group Policy, antivirus and Fast Startup', () => {
    expect(facts.firewall.map((f) => [f.profile, f.enabled])).toEqual([
      ['domain', true],
      ['private', null],
      ['public', false],
    ]);
    expect(facts.environment).toEqual([
      { name: 'ComSpec', value: '%SystemRoot%\\system32\\cmd.exe' },
      { name: 'OS', value: 'Windows_NT' },
      { name: 'APP_CONFIG_DIR', value: 'D:\\AppConfig' },
    ]);
    expect(facts.vmwareTools.present).toBe(true);
    expect(facts.vmwareTools.evidence.map((e) => e.registryKey)).toEqual([
      'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{8B2E1C7A-5D3F-4E9A-B1C6-0F2D4A6E8C10}',
      'HKLM\\SYSTEM\\ControlSet001\\Services\\VMTools',
    ]);
    expect(facts.groupPolicy).toEqual({ present: true, evidence: [{ registryKey: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Group Policy\\History\\{31B2F340-016D-11D2-945F-00C04FB984F9}' }] });
    expect(facts.antivirus.map((a) => a.name)).toEqual(['Symantec Endpoint Protection']);
    expect(facts.hibernation).toEqual({ hiberfilPresent: true, hibernated: false, fastStartup: true });
  });

  it('reads storage drivers with start types; only present, boot-start, non-overridden drivers boot the disk', () => {
    const pvscsi = facts.storageDrivers.find((d) => d.service === 'pvscsi')!;
    expect(pvscsi).toMatchObject({ present: true, start: 'boot', group: 'SCSI miniport', startOverride: null });
    expect(driverBootsDisk(pvscsi)).toBe(true);
    expect(facts.storageDrivers.find((d) => d.service === 'viostor')).toMatchObject({ present: false, start: null });

    const overridden = windowsFacts({ system: system(SERVICE_EXPORT('viostor', 0, { '0': 3 })), software: new RegTree(), controlSet: 'ControlSet001', systemRoot: null, hiberfil: { present: false, header: null } });
    const viostor = overridden.facts.storageDrivers.find((d) => d.service === 'viostor')!;
    expect(viostor.startOverride).toEqual({ '0': 3 });
    expect(driverBootsDisk(viostor)).toBe(false);
    expect(driverBootsDisk({ ...viostor, startOverride: { '0': 0 } })).toBe(true);
    expect(driverBootsDisk({ ...viostor, start: 'demand', startOverride: null })).toBe(false);
  });

  it('knows a hibernated system by the hiberfil.sys header', () => {
    const hibernated = windowsFacts({ system: new RegTree(), software: new RegTree(), controlSet: null, systemRoot: null, hiberfil: { present: true, header: 'HIBR' } });
    expect(hibernated.facts.hibernation).toEqual({ hiberfilPresent: true, hibernated: true, fastStartup: null });
    const unknown = windowsFacts({ system: new RegTree(), software: new RegTree(), controlSet: null, systemRoot: null, hiberfil: { present: true, header: null } });
    expect(unknown.facts.hibernation.hibernated).toBeNull();
  });
});
