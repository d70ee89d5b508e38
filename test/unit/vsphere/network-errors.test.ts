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
    ['plain HTTP on the TLS port', withCode('ERR_SSL_WRONG_VERSION_NUMBER'), 'not-tls', 'VSPHERE_NOT_HTTPS'],
    ['plain HTTP behind undici', Object.assign(new Error('fetch failed'), { cause: withCode('ERR_SSL_WRONG_VERSION_NUMBER') }), 'not-tls', 'VSPHERE_NOT_HTTPS'],
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

  it('says that a plain-HTTP port is not HTTPS, without OpenSSL\'s words in the headline', () => {
    // What Node 20 with OpenSSL 3 throws when the TLS handshake meets an HTTP server (measured).
    const raw = withCode('ERR_SSL_WRONG_VERSION_NUMBER', '80FC1056FE7E0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n');
    const value = networkErrorToError(raw, { server: '127.0.0.1:8989', operation: 'reading the server certificate' });
    expect(value).toMatchObject({ code: 'VSPHERE_NOT_HTTPS', kind: 'bad-input' });
    expect(value.message).toBe('127.0.0.1:8989 does not answer in HTTPS: something else listens on that port (plain HTTP, for example).');
    expect(value.message).not.toMatch(/ssl3_get_record|wrong version/);
    // Other TLS failures keep only OpenSSL's reason.
    const other = networkErrorToError(withCode('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'C0:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1586:SSL alert number 40'), { server: 'vc:443', operation: 'Login' });
    expect(other.message).toBe('The secure connection to vc:443 failed: sslv3 alert handshake failure.');
  });

  it('explains a refused connection in words', () => {
    expect(networkErrorToError(withCode('ECONNREFUSED'), { server: 'vc:443', operation: 'Login' }).message).toBe('Cannot reach vc:443: the connection was refused (nothing listens on that port).');
  });
});
