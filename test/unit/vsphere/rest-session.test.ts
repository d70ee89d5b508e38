import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineFailure } from '../../../electron/engine/core/errors';
import { probeRestSession, restSessionIdFrom } from '../../../electron/engine/vsphere/rest-session';

const ORIGIN = 'https://vc.example.test';

describe('REST session ids', () => {
  it.each([
    ['"b00c5c3a"', 'b00c5c3a'],
    ['{"value":"f6abb5a5-8541"}', 'f6abb5a5-8541'],
    ['{"other":1}', undefined],
    ['<html/>', undefined],
  ])('%s → %s', (body, expected) => {
    expect(restSessionIdFrom(body)).toBe(expected);
  });
});

describe('probing the REST API', () => {
  let agent: MockAgent;
  const seen: string[] = [];
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    seen.length = 0;
  });
  afterEach(() => agent.close());

  const probe = (): ReturnType<typeof probeRestSession> => probeRestSession({ origin: ORIGIN, server: 'vc.example.test:443', dispatcher: agent, user: 'administrator@vsphere.local', password: 'pw' });
  const record = (label: string, statusCode: number, data: string) => (options: { headers?: unknown }) => {
    const headers = (options.headers ?? {}) as Record<string, string>;
    seen.push(`${label} ${headers.authorization ?? headers['vmware-api-session-id'] ?? ''}`);
    return { statusCode, data };
  };

  it('uses /api on vSphere 7+ and deletes the session it made', async () => {
    agent.get(ORIGIN).intercept({ path: '/api/session', method: 'POST' }).reply(record('POST /api', 201, '"abc123"'));
    agent.get(ORIGIN).intercept({ path: '/api/session', method: 'DELETE' }).reply(record('DELETE /api', 204, ''));
    expect(await probe()).toEqual({ flavour: 'api' });
    expect(seen).toEqual([`POST /api Basic ${Buffer.from('administrator@vsphere.local:pw').toString('base64')}`, 'DELETE /api abc123']);
  });

  it('falls back to /rest (6.5, and what vcsim serves)', async () => {
    agent.get(ORIGIN).intercept({ path: '/api/session', method: 'POST' }).reply(404, 'Not Found');
    agent.get(ORIGIN).intercept({ path: '/rest/com/vmware/cis/session', method: 'POST' }).reply(record('POST /rest', 200, '{"value":"f6ab"}'));
    agent.get(ORIGIN).intercept({ path: '/rest/com/vmware/cis/session', method: 'DELETE' }).reply(record('DELETE /rest', 200, ''));
    expect(await probe()).toEqual({ flavour: 'rest' });
    expect(seen.at(-1)).toBe('DELETE /rest f6ab');
  });

  it('says when neither exists (ESXi)', async () => {
    agent.get(ORIGIN).intercept({ path: '/api/session', method: 'POST' }).reply(404, '');
    agent.get(ORIGIN).intercept({ path: '/rest/com/vmware/cis/session', method: 'POST' }).reply(404, '');
    expect(await probe()).toEqual({ flavour: null });
  });

  it('reports wrong credentials without echoing them', async () => {
    agent.get(ORIGIN).intercept({ path: '/api/session', method: 'POST' }).reply(401, '{"error_type":"UNAUTHENTICATED"}');
    try {
      await probe();
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as EngineFailure).value.code).toBe('VSPHERE_LOGIN_FAILED');
      expect(JSON.stringify((error as EngineFailure).value)).not.toContain('pw');
    }
  });
});
