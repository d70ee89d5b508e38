import { describe, expect, it } from 'vitest';
import { netmaskToPrefix, networkSourceFor, normalizeMac, parseIni, parseNetworkFile } from '../../../electron/engine/guest/linux/network';

describe('network helpers', () => {
  it.each([
    ['00:50:56:8A:2F:11', '00:50:56:8a:2f:11'],
    ['00-50-56-8a-2f-11', '00:50:56:8a:2f:11'],
    ['005056.8a2f11', '00:50:56:8a:2f:11'],
    ['00:50:56', null],
  ])('normalizes MAC %s', (input, expected) => {
    expect(normalizeMac(input)).toBe(expected);
  });

  it.each([
    ['255.255.255.0', 24],
    ['255.255.0.0', 16],
    ['255.255.255.255', 32],
    ['0.0.0.0', 0],
    ['255.0.255.0', null],
    ['garbage', null],
  ])('netmask %s is /%s', (mask, prefix) => {
    expect(netmaskToPrefix(mask)).toBe(prefix);
  });

  it('reads INI files with repeated keys and line numbers', () => {
    expect(parseIni('# c\n[Match]\nName=ens192\n\n[Network]\nAddress=10.0.0.5/24\nAddress=10.0.0.6/24\n')).toEqual([
      { section: 'Match', key: 'Name', value: 'ens192', line: 3 },
      { section: 'Network', key: 'Address', value: '10.0.0.5/24', line: 6 },
      { section: 'Network', key: 'Address', value: '10.0.0.6/24', line: 7 },
    ]);
  });

  it.each([
    ['/etc/network/interfaces', 'ifupdown'],
    ['/etc/network/interfaces.d/ens192', 'ifupdown'],
    ['/etc/netplan/50-cloud-init.yaml', 'netplan'],
    ['/etc/NetworkManager/system-connections/Wired connection 1.nmconnection', 'networkmanager'],
    ['/etc/sysconfig/network-scripts/ifcfg-ens192', 'ifcfg'],
    ['/etc/sysconfig/network/ifcfg-eth0', 'ifcfg'],
    ['/etc/sysconfig/network-scripts/ifcfg-ens192.bak', null],
    ['/etc/systemd/network/10-ens192.link', 'systemd-link'],
    ['/etc/systemd/network/20-wired.network', 'systemd-networkd'],
    ['/etc/udev/rules.d/70-persistent-net.rules', 'udev-rule'],
    ['/etc/hosts', null],
  ])('%s is read by %s', (path, source) => {
    expect(networkSourceFor(path)).toBe(source);
  });
});

describe('parseNetworkFile', () => {
  it('ifupdown: static with netmask, dhcp, hwaddress pin; loopback dropped', () => {
    const text = [
      'source /etc/network/interfaces.d/*',
      'auto lo',
      'iface lo inet loopback',
      '',
      '# The primary network interface',
      'allow-hotplug ens192',
      'iface ens192 inet static',
      '    address 10.20.30.40',
      '    netmask 255.255.255.0',
      '    gateway 10.20.30.1',
      '    dns-nameservers 10.20.30.2 10.20.30.3',
      '    hwaddress ether 00:50:56:8A:2F:11',
      'iface ens224 inet dhcp',
    ].join('\n');
    expect(parseNetworkFile('/etc/network/interfaces', text)).toEqual([
      { source: 'ifupdown', file: '/etc/network/interfaces', line: 12, interface: 'ens192', mac: '00:50:56:8a:2f:11', setsName: null, method: 'static', addresses: ['10.20.30.40/24'], gateway: '10.20.30.1', dns: ['10.20.30.2', '10.20.30.3'] },
      { source: 'ifupdown', file: '/etc/network/interfaces', line: 13, interface: 'ens224', mac: null, setsName: null, method: 'dhcp', addresses: [], gateway: null, dns: [] },
    ]);
  });

  it('netplan: match by MAC with set-name, static addresses and a default route', () => {
    const text = [
      'network:',
      '  version: 2',
      '  ethernets:',
      '    uplink:',
      '      match:',
      '        macaddress: "00:50:56:ab:cd:ef"',
      '      set-name: ens192',
      '      addresses: [192.168.10.5/24]',
      '      routes:',
      '        - to: default',
      '          via: 192.168.10.1',
      '      nameservers:',
      '        addresses: [1.1.1.1]',
      '    ens224:',
      '      dhcp4: true',
    ].join('\n');
    expect(parseNetworkFile('/etc/netplan/01-netcfg.yaml', text)).toEqual([
      { source: 'netplan', file: '/etc/netplan/01-netcfg.yaml', line: 6, interface: 'ens192', mac: '00:50:56:ab:cd:ef', setsName: 'ens192', method: 'static', addresses: ['192.168.10.5/24'], gateway: '192.168.10.1', dns: ['1.1.1.1'] },
      { source: 'netplan', file: '/etc/netplan/01-netcfg.yaml', line: 14, interface: 'ens224', mac: null, setsName: null, method: 'dhcp', addresses: [], gateway: null, dns: [] },
    ]);
    expect(parseNetworkFile('/etc/netplan/bad.yaml', 'network: [unclosed')).toEqual([]);
  });

  // YAML that parses, with values of other shapes than netplan's: the empty route item was found by
  // the fuzzer (test/unit/fuzz), the others are the same hole in the other fields.
  it.each([
    ['a route list item that is empty (null)', 'network:\n  ethernets:\n    ens160:\n      routes:\n        -\n', { interface: 'ens160', gateway: null }],
    ['addresses that are a number', 'network:\n  ethernets:\n    ens160:\n      addresses: 5\n', { interface: 'ens160', addresses: [], method: 'none' }],
    ['an address item that is empty (null)', 'network:\n  ethernets:\n    ens160:\n      addresses:\n        -\n        - 10.0.0.2/24\n', { addresses: ['', '10.0.0.2/24'], method: 'static' }],
    ['routes that are a mapping', 'network:\n  ethernets:\n    ens160:\n      routes: {to: default}\n', { gateway: null }],
    ['nameservers that are a string', 'network:\n  ethernets:\n    ens160:\n      nameservers: 1.1.1.1\n', { dns: [] }],
    ['a device that is a list, and set-name a number', 'network:\n  ethernets:\n    eth0: [1, 2]\n    eth1:\n      set-name: 42\n', { interface: 'eth0', setsName: null }],
    ['match that is a string', 'network:\n  ethernets:\n    ens160:\n      match: ens*\n      dhcp4: true\n', { interface: 'ens160', mac: null, method: 'dhcp' }],
  ])('netplan with %s: read what has the right shape, never a crash', (_name, text, first) => {
    const configs = parseNetworkFile('/etc/netplan/50-fuzz.yaml', text);
    expect(configs[0]).toMatchObject(first);
  });

  it('netplan: a set-name written as a number is the name as text', () => {
    expect(parseNetworkFile('/etc/netplan/50-fuzz.yaml', 'network:\n  ethernets:\n    eth1:\n      set-name: 42\n')[0]).toMatchObject({ interface: '42', setsName: '42' });
  });

  it('NetworkManager keyfile: mac-address pin, manual IPv4 with gateway in address1', () => {
    const text = [
      '[connection]',
      'id=Wired connection 1',
      'uuid=0b7e7a6c-1d2f-4a3b-9c8d-7e6f5a4b3c2d',
      'type=ethernet',
      'interface-name=ens192',
      '',
      '[ethernet]',
      'mac-address=00:50:56:8A:00:01',
      '',
      '[ipv4]',
      'address1=172.16.0.10/16,172.16.0.1',
      'dns=172.16.0.2;172.16.0.3;',
      'method=manual',
    ].join('\n');
    expect(parseNetworkFile('/etc/NetworkManager/system-connections/Wired connection 1.nmconnection', text)).toEqual([
      {
        source: 'networkmanager',
        file: '/etc/NetworkManager/system-connections/Wired connection 1.nmconnection',
        line: 8,
        interface: 'ens192',
        mac: '00:50:56:8a:00:01',
        setsName: null,
        method: 'static',
        addresses: ['172.16.0.10/16'],
        gateway: '172.16.0.1',
        dns: ['172.16.0.2', '172.16.0.3'],
      },
    ]);
  });

  it('ifcfg: HWADDR pin, IPADDR with PREFIX and NETMASK1; loopback skipped', () => {
    const text = ['TYPE=Ethernet', 'BOOTPROTO=none', 'NAME=ens192', 'DEVICE=ens192', 'ONBOOT=yes', 'HWADDR="00:50:56:9C:11:22"', 'IPADDR=10.1.2.3', 'PREFIX=24', 'IPADDR1=10.1.3.3', 'NETMASK1=255.255.0.0', 'GATEWAY=10.1.2.1', 'DNS1=10.1.2.53'].join('\n');
    expect(parseNetworkFile('/etc/sysconfig/network-scripts/ifcfg-ens192', text)).toEqual([
      { source: 'ifcfg', file: '/etc/sysconfig/network-scripts/ifcfg-ens192', line: 6, interface: 'ens192', mac: '00:50:56:9c:11:22', setsName: null, method: 'static', addresses: ['10.1.2.3/24', '10.1.3.3/16'], gateway: '10.1.2.1', dns: ['10.1.2.53'] },
    ]);
    expect(parseNetworkFile('/etc/sysconfig/network-scripts/ifcfg-lo', 'DEVICE=lo\nIPADDR=127.0.0.1\n')).toEqual([]);
    expect(parseNetworkFile('/etc/sysconfig/network-scripts/ifcfg-eth0', 'DEVICE=eth0\nBOOTPROTO=dhcp\n')[0]!.method).toBe('dhcp');
  });

  it('systemd-networkd .network: match by MAC, DHCP or static', () => {
    const text = '[Match]\nMACAddress=00:50:56:aa:bb:cc\n\n[Network]\nAddress=10.9.8.7/24\nGateway=10.9.8.1\nDNS=10.9.8.2 10.9.8.3\n';
    expect(parseNetworkFile('/etc/systemd/network/20-wired.network', text)).toEqual([
      { source: 'systemd-networkd', file: '/etc/systemd/network/20-wired.network', line: 2, interface: null, mac: '00:50:56:aa:bb:cc', setsName: null, method: 'static', addresses: ['10.9.8.7/24'], gateway: '10.9.8.1', dns: ['10.9.8.2', '10.9.8.3'] },
    ]);
    expect(parseNetworkFile('/etc/systemd/network/20-wired.network', '[Match]\nName=en*\n[Network]\nDHCP=yes\n')[0]).toMatchObject({ interface: 'en*', method: 'dhcp', mac: null });
  });

  it('systemd .link as the Debian test guest has it: MAC pinned to the name ens192', () => {
    const text = '[Match]\nMACAddress=00:50:56:8a:2f:11\n\n[Link]\nName=ens192\n';
    expect(parseNetworkFile('/etc/systemd/network/10-ens192.link', text)).toEqual([
      { source: 'systemd-link', file: '/etc/systemd/network/10-ens192.link', line: 2, interface: null, mac: '00:50:56:8a:2f:11', setsName: 'ens192', method: 'none', addresses: [], gateway: null, dns: [] },
    ]);
    // A .link that matches by driver and only sets a policy pins nothing.
    expect(parseNetworkFile('/etc/systemd/network/99-default.link', '[Match]\nOriginalName=*\n[Link]\nNamePolicy=keep kernel database onboard slot path\n')).toEqual([]);
  });

  it('udev persistent net rules', () => {
    const text = '# This file was automatically generated\nSUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="00:50:56:b1:c2:d3", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"\n';
    expect(parseNetworkFile('/etc/udev/rules.d/70-persistent-net.rules', text)).toEqual([
      { source: 'udev-rule', file: '/etc/udev/rules.d/70-persistent-net.rules', line: 2, interface: null, mac: '00:50:56:b1:c2:d3', setsName: 'eth0', method: 'none', addresses: [], gateway: null, dns: [] },
    ]);
  });
});
