import type { ServerEndpoint } from '../../../shared/contract/api/vcenter';
import { fail } from '../core/errors';
import './error-codes';

/**
 * What people type as a vCenter address: "vc01", "vc01.example.com:8443", "https://vc01/sdk",
 * "https://vc01/ui/", "10.0.0.5", "[fd00::5]:443", "fd00::5". Pure. vSphere speaks only HTTPS, so
 * an http:// address is refused rather than silently upgraded.
 */
export function parseServerAddress(input: string): ServerEndpoint {
  const text = input.trim();
  const refuse = (why: string): never =>
    fail('VCENTER_ADDRESS_INVALID', `"${withoutCredentials(input)}" is not a vCenter or ESXi address: ${why}.`, 'Give the host name or address, optionally with a port: vcenter.example.com, vcenter.example.com:443 or https://vcenter.example.com/sdk.');
  if (text === '') return refuse('it is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme && scheme[1]!.toLowerCase() !== 'https') return refuse(`vSphere speaks only https, not ${scheme[1]}`);
  // A bare IPv6 address has several colons and no brackets: it has no port.
  if (!scheme && !text.startsWith('[') && (text.match(/:/g) ?? []).length > 1) {
    if (!/^[0-9a-f:.]+$/i.test(text)) return refuse('it looks like an IPv6 address but is not one');
    return endpoint(text.toLowerCase(), 443);
  }
  let url: URL;
  try {
    url = new URL(scheme ? text : `https://${text}`);
  } catch {
    return refuse('it cannot be read as a host name');
  }
  if (url.username || url.password) return refuse('it contains a user name or password; give those separately');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') return refuse('the host name is missing');
  const port = url.port === '' ? 443 : Number(url.port);
  return endpoint(host, port);
}

function endpoint(host: string, port: number): ServerEndpoint {
  const shown = host.includes(':') ? `[${host}]` : host;
  return { host, port, display: `${shown}:${port}` };
}

/** An address as it may be shown: a user:password@ part (pasted by mistake) is never echoed. */
function withoutCredentials(input: string): string {
  return input.replace(/\/\/[^/@\s]*@/, '//…@');
}
