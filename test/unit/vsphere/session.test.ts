import { afterEach, describe, expect, it } from 'vitest';
import { MockAgent } from 'undici';
import { VsphereSession, readServiceContent, sessionCookieFrom } from '../../../electron/engine/vsphere/session';
import { child, parseXml, path } from '../../../electron/engine/vsphere/xml';
import { FakeVcenter, HOST, ORIGIN, envelope, faultEnvelope, response, sample, xmlReply } from './fake-vcenter';
import type { Handler } from './fake-vcenter';
import { failureOf } from '../../support/failures';

const USER = 'migrator@vsphere.local';
const PASSWORD = 'pa<ss>&"word';
const VIEW_MANAGER = { type: 'ViewManager', value: 'ViewManager' };

const notAuthenticated = (): ReturnType<Handler> => xmlReply(sample('fault-not-authenticated.xml'), 500);
const ok = (method: string): Handler => () => xmlReply(response(method, '<returnval type="ContainerView">session[x]view-1</returnval>'));

let fake: FakeVcenter;
const open = (f: FakeVcenter, password = PASSWORD): Promise<VsphereSession> => VsphereSession.open({ host: HOST, port: 443, user: USER, password, dispatcher: f.agent });

afterEach(() => FakeVcenter.closeAll());

describe('session cookie', () => {
  it.each([
    [['vmware_soap_session="52a1-ff"; Path=/; HttpOnly; Secure;'], 'vmware_soap_session="52a1-ff"'],
    ['vmware_soap_session=4f7e; HttpOnly', 'vmware_soap_session=4f7e'],
    [['other=1', 'vmware_soap_session=abc; Path=/'], 'vmware_soap_session=abc'],
    [['vmware-api-session-id=x; Path=/rest'], undefined],
    [undefined, undefined],
  ])('%j → %s', (header, expected) => {
    expect(sessionCookieFrom(header)).toBe(expected);
  });
});

describe('service content', () => {
  it('reads the references and the about block recorded from vcsim', () => {
    const returnval = child(path(parseXml(sample('service-content.xml')), 'Body', 'RetrieveServiceContentResponse'), 'returnval')!;
    const content = readServiceContent(returnval);
    expect(content.rootFolder).toEqual({ type: 'Folder', value: 'group-d1' });
    expect(content.propertyCollector).toEqual({ type: 'PropertyCollector', value: 'propertyCollector' });
    expect(content.viewManager).toEqual(VIEW_MANAGER);
    expect(content.sessionManager).toEqual({ type: 'SessionManager', value: 'SessionManager' });
    expect(content.about).toMatchObject({ apiType: 'VirtualCenter', apiVersion: '6.5', version: '6.5.0', build: '5973321' });
  });
});

describe('login and calls', () => {
  it('logs in, sends the cookie back and speaks the server API version', async () => {
    fake = new FakeVcenter({ CreateContainerView: ok('CreateContainerView') });
    const session = await open(fake);
    await session.call('CreateContainerView', VIEW_MANAGER);
    const [serviceContent, login, view] = fake.requests;
    expect(serviceContent?.headers.soapaction).toBe('"urn:vim25/6.0"');
    expect(serviceContent?.headers.cookie).toBeUndefined();
    expect(login?.headers.soapaction).toBe('"urn:vim25/6.5"');
    expect(view?.headers.cookie).toBe('vmware_soap_session="cookie-1"');
    expect(view?.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(session.sessionKey).toBe('session-1');
    expect(session.authHeaders()).toEqual({ cookie: 'vmware_soap_session="cookie-1"' });
  });

  it('escapes the credentials in the Login body', async () => {
    fake = new FakeVcenter();
    await open(fake);
    const body = fake.calls('Login')[0]!.body;
    expect(body).toContain('<userName>migrator@vsphere.local</userName><password>pa&lt;ss&gt;&amp;"word</password>');
  });

  it('reports a wrong password without the password or the user name anywhere in the error', async () => {
    fake = new FakeVcenter({ Login: () => xmlReply(sample('fault-invalid-login.xml'), 500) });
    const error = await failureOf(open(fake, 'wrong-password'));
    expect(error.code).toBe('VSPHERE_LOGIN_FAILED');
    expect(JSON.stringify(error)).not.toContain('wrong-password');
    expect(JSON.stringify(error)).not.toContain(USER);
  });

  it('logs in again once when the session expired and repeats the call once', async () => {
    fake = new FakeVcenter({ CreateContainerView: (_e, n) => (n === 1 ? notAuthenticated() : ok('CreateContainerView')(_e, n)) });
    const session = await open(fake);
    const result = await session.call('CreateContainerView', VIEW_MANAGER);
    expect(result.name).toBe('CreateContainerViewResponse');
    expect(fake.requests.map((r) => r.method)).toEqual(['RetrieveServiceContent', 'Login', 'CreateContainerView', 'Login', 'CreateContainerView']);
    expect(fake.calls('CreateContainerView')[1]?.headers.cookie).toBe('vmware_soap_session="cookie-2"');
    expect(session.sessionKey).toBe('session-2');
  });

  it('gives up after one re-login when the session stays refused', async () => {
    fake = new FakeVcenter({ CreateContainerView: notAuthenticated });
    const session = await open(fake);
    const error = await failureOf(session.call('CreateContainerView', VIEW_MANAGER));
    expect(error.code).toBe('VSPHERE_SESSION_EXPIRED');
    expect(fake.logins).toBe(2);
    expect(fake.count('CreateContainerView')).toBe(2);
  });

  it('treats the per-property NotAuthenticated of RetrievePropertiesEx (HTTP 200) as an expired session', async () => {
    fake = new FakeVcenter({ RetrievePropertiesEx: (_e, n) => (n === 1 ? xmlReply(sample('missing-not-authenticated.xml')) : xmlReply(sample('page-last.xml').replace(/ContinueRetrievePropertiesExResponse/g, 'RetrievePropertiesExResponse'))) });
    const session = await open(fake);
    await session.call('RetrievePropertiesEx', { type: 'PropertyCollector', value: 'propertyCollector' });
    expect(fake.logins).toBe(2);
  });

  it('shares one re-login among calls that fail at the same time', async () => {
    fake = new FakeVcenter({ CreateContainerView: (exchange) => (exchange.headers.cookie === 'vmware_soap_session="cookie-1"' ? notAuthenticated() : ok('CreateContainerView')(exchange, 0)) });
    const session = await open(fake);
    await Promise.all([1, 2, 3].map(() => session.call('CreateContainerView', VIEW_MANAGER)));
    expect(fake.logins).toBe(2);
  });

  it('is not fooled into re-login by other faults', async () => {
    fake = new FakeVcenter({ CreateContainerView: () => xmlReply(sample('fault-invalid-token.xml'), 500) });
    const session = await open(fake);
    const error = await failureOf(session.call('CreateContainerView', VIEW_MANAGER));
    expect(error.code).toBe('VSPHERE_FAULT');
    expect(fake.logins).toBe(1);
  });

  it.each([
    ['an HTML login page of a proxy', 200, '<html><body>Please sign in</body></html>', 'text/html'],
    ['a 404 page', 404, 'Not Found', 'text/plain'],
    ['vCenter still starting (503)', 503, '<html>Service Unavailable</html>', 'text/html'],
    ['an error status without a fault', 500, envelope('<LoginResponse xmlns="urn:vim25"/>'), 'text/xml'],
  ])('calls %s a bad response', async (_label, status, body, type) => {
    fake = new FakeVcenter({ RetrieveServiceContent: () => ({ status, body, headers: { 'content-type': type } }) });
    const error = await failureOf(open(fake));
    expect(error.code).toBe('VSPHERE_BAD_RESPONSE');
    expect(error.evidence?.details?.httpStatus).toBe(status);
  });

  it('maps a refused connection to VSPHERE_UNREACHABLE', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get(ORIGIN).intercept({ path: '/sdk', method: 'POST' }).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const error = await failureOf(VsphereSession.open({ host: HOST, user: USER, password: PASSWORD, dispatcher: agent }));
    expect(error.code).toBe('VSPHERE_UNREACHABLE');
    expect(error.message).toContain('vc.example.test:443');
    await agent.close();
  });

  // The user name is the one the server returned at login (the recorded sample says "u").
  it('sessionIsActive asks with its own session key, and a terminated session reads as inactive', async () => {
    fake = new FakeVcenter({ SessionIsActive: (_e, n) => (n === 1 ? xmlReply(response('SessionIsActive', '<returnval>true</returnval>')) : notAuthenticated()) });
    const session = await open(fake);
    expect(await session.sessionIsActive()).toBe(true);
    expect(fake.calls('SessionIsActive')[0]?.body).toContain('<sessionID>session-1</sessionID><userName>u</userName>');
    expect(await session.sessionIsActive()).toBe(false);
  });

  it('close() logs out and forgets the cookie', async () => {
    fake = new FakeVcenter();
    const session = await open(fake);
    await session.logout();
    expect(fake.count('Logout')).toBe(1);
    expect(session.authHeaders()).toEqual({});
  });

  it('refuses a value XML cannot carry before sending anything', async () => {
    fake = new FakeVcenter();
    const error = await failureOf(open(fake, 'bad\u0000password'));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(JSON.stringify(error)).not.toContain('password\u0000');
    expect(fake.count('Login')).toBe(0);
  });

  it('reports a fault returned for Login as a login problem, never as a re-login loop', async () => {
    fake = new FakeVcenter({ Login: () => xmlReply(faultEnvelope('', '<NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"/>'), 500) });
    const error = await failureOf(open(fake));
    expect(error.code).toBe('VSPHERE_SESSION_EXPIRED');
    expect(fake.count('Login')).toBe(1);
  });
});
