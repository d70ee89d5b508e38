import { describe, expect, it } from 'vitest';
import { errors as undiciErrors } from 'undici';
import { classifyNetworkError, errorCodes, isRetryableNetworkError, networkErrorToError } from '../../../electron/engine/vsphere/network-errors';

const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('network errors', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED'), 'unreachable', 'VSPHERE_UNREACHABLE'],
    ['name does not resolve', withCode('ENOTFOUND'), 'unreachable', 'VSPHERE_UNREACHABLE'],
    ['no route', withCode('EHOSTUNREACH'), 'unreachable', 'VSPHERE_UNREACHABLE'],
    ['reset mid-body', withCode('ECONNRESET'), 'connection-lost', 'VSPHERE_UNREACHABLE'],
    ['undici socket closed', new undiciErrors.SocketError('other side closed'), 'connection-lost', 'VSPHERE_UNREACHABLE'],
    ['connect timeout', new undiciErrors.ConnectTimeoutError(), 'timeout', 'VSPHERE_TIMEOUT'],
    ['headers timeout', new undiciErrors.HeadersTimeoutError(), 'timeout', 'VSPHERE_TIMEOUT'],
    ['body timeout', new undiciErrors.BodyTimeoutError(), 'timeout', 'VSPHERE_TIMEOUT'],
    ['self-signed (CA mode)', withCode('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'tls', 'VSPHERE_TLS_FAILED'],
    ['host name mismatch', withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls', 'VSPHERE_TLS_FAILED'],
    ['plain HTTP on the TLS port', withCode('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls', 'VSPHERE_TLS_FAILED'],
    ['expired', withCode('CERT_HAS_EXPIRED'), 'tls', 'VSPHERE_TLS_FAILED'],
    ['aborted', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'aborted', 'CANCELLED'],
    ['undici aborted', new undiciErrors.RequestAbortedError(), 'aborted', 'CANCELLED'],
    ['something else', new Error('weird'), 'other', 'VSPHERE_UNREACHABLE'],
  ])('%s', (_label, error, problem, code) => {
    expect(classifyNetworkError(error)).toBe(problem);
    const value = networkErrorToError(error, { server: 'vc:443', operation: 'Login' });
    expect(value.code).toBe(code);
    expect(value.message).not.toContain('undefined');
  });

  it('looks through causes and aggregate errors', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: withCode('ECONNREFUSED') });
    expect(errorCodes(wrapped)).toEqual(['ECONNREFUSED']);
    const aggregate = Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ENETUNREACH')]), { code: undefined });
    expect(classifyNetworkError(aggregate)).toBe('unreachable');
  });

  it('retries only what can heal by itself', () => {
    expect(isRetryableNetworkError(withCode('ECONNRESET'))).toBe(true);
    expect(isRetryableNetworkError(new undiciErrors.BodyTimeoutError())).toBe(true);
    expect(isRetryableNetworkError(withCode('DEPTH_ZERO_SELF_SIGNED_CERT'))).toBe(false);
    expect(isRetryableNetworkError(new undiciErrors.RequestAbortedError())).toBe(false);
  });

  it('explains a refused connection in words', () => {
    expect(networkErrorToError(withCode('ECONNREFUSED'), { server: 'vc:443', operation: 'Login' }).message).toBe('Cannot reach vc:443: the connection was refused (nothing listens on that port).');
  });
});
