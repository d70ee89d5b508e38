import { request } from 'undici';
import type { Dispatcher } from 'undici';
import type { VsphereAbout } from '../../../shared/contract/models/vsphere';
import { EngineFailure, fail } from '../core/errors';
import './error-codes';
import { networkErrorToError } from './network-errors';
import { faultToError, isSessionFault, readLocalizedFault, readSoapEnvelope } from './soap-response';
import type { SoapFault } from './soap-response';
import { XmlBuildError, XmlParseError, booleanOf, child, children, el, moRefOf, parseXml, soapEnvelope, textOf } from './xml';
import type { MoRef, XmlChild, XmlNode } from './xml';

/**
 * A logged-in SOAP session with vCenter or ESXi (POST https://host/sdk, no WSDL). Keeps the
 * session cookie, logs in again once when the server says the session is gone and repeats the
 * call once. The password lives in a private field: it is never logged, never put into an
 * error and never written anywhere.
 */

export interface ServiceContent {
  about: VsphereAbout;
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  sessionManager: MoRef;
  /** Absent on servers that do not manage permissions (never seen, but not required). */
  authorizationManager?: MoRef;
}

/** One SOAP call without any session recovery. */
export type RawCall = (method: string, self: MoRef, args?: readonly XmlChild[], signal?: AbortSignal) => Promise<XmlNode>;

export interface SessionOptions {
  host: string;
  port?: number;
  user: string;
  password: string;
  /** The trusted agent (tls-trust.ts createTrustedAgent); tests may pass an undici MockAgent. */
  dispatcher: Dispatcher;
  signal?: AbortSignal;
  /** Sent on the first call, before the server's API version is known. */
  initialApiVersion?: string;
  userAgent?: string;
}

const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };
const SESSION_COOKIE = 'vmware_soap_session';

/** The `name=value` of the SOAP session cookie in Set-Cookie headers, as it must be sent back. */
export function sessionCookieFrom(setCookie: string | string[] | undefined): string | undefined {
  const headers = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  for (const header of headers) {
    const pair = header.split(';')[0]?.trim();
    if (pair?.startsWith(`${SESSION_COOKIE}=`)) return pair;
  }
  return undefined;
}

export function readServiceContent(returnval: XmlNode): ServiceContent {
  const ref = (name: string): MoRef => {
    const value = moRefOf(child(returnval, name));
    if (!value) return fail('VSPHERE_BAD_RESPONSE', `The server's service content lacks ${name}.`, 'This does not look like vCenter or ESXi.');
    return value;
  };
  const about = child(returnval, 'about');
  const text = (name: string): string => textOf(about, name)?.trim() ?? '';
  const build = text('build');
  const instanceUuid = text('instanceUuid');
  const authorizationManager = moRefOf(child(returnval, 'authorizationManager'));
  return {
    about: {
      name: text('name'),
      fullName: text('fullName'),
      version: text('version'),
      ...(build ? { build } : {}),
      apiType: text('apiType'),
      apiVersion: text('apiVersion'),
      ...(instanceUuid ? { instanceUuid } : {}),
    },
    rootFolder: ref('rootFolder'),
    propertyCollector: ref('propertyCollector'),
    viewManager: ref('viewManager'),
    sessionManager: ref('sessionManager'),
    ...(authorizationManager ? { authorizationManager } : {}),
  };
}

/** The session is gone; caught by withRelogin, which logs in again and repeats the work once. */
class SessionLost extends EngineFailure {}

/**
 * The PropertyCollector answers an unauthenticated RetrievePropertiesEx with HTTP 200 and a
 * NotAuthenticated fault per property (missingSet) instead of a SOAP fault.
 */
function propertyLevelSessionFault(response: XmlNode): SoapFault | undefined {
  const returnval = child(response, 'returnval');
  for (const objects of children(returnval, 'objects')) {
    for (const missing of children(objects, 'missingSet')) {
      const faultNode = child(missing, 'fault');
      if (!faultNode) continue;
      const fault = readLocalizedFault(faultNode);
      if (isSessionFault(fault)) return fault;
    }
  }
  return undefined;
}

export class VsphereSession {
  readonly host: string;
  readonly port: number;
  /** host:port, for messages. */
  readonly server: string;
  readonly origin: string;
  readonly dispatcher: Dispatcher;
  readonly user: string;
  readonly #password: string;
  readonly #userAgent: string;
  #cookie: string | undefined;
  #apiVersion: string;
  #serviceContent: ServiceContent | undefined;
  #sessionKey: string | undefined;
  /** The user name as the server spelled it in the Login answer (SessionIsActive wants it). */
  #loggedInUser: string | undefined;
  /** Bumped by every login, so concurrent failures trigger one re-login, not several. */
  #generation = 0;
  #relogin: Promise<void> | undefined;

  private constructor(options: SessionOptions) {
    this.host = options.host;
    this.port = options.port ?? 443;
    this.server = `${this.host}:${this.port}`;
    this.origin = `https://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
    this.dispatcher = options.dispatcher;
    this.user = options.user;
    this.#password = options.password;
    this.#apiVersion = options.initialApiVersion ?? '6.0';
    this.#userAgent = options.userAgent ?? 'hyper2kvm';
  }

  /** RetrieveServiceContent, then Login. */
  static async open(options: SessionOptions): Promise<VsphereSession> {
    const session = new VsphereSession(options);
    await session.#retrieveServiceContent(options.signal);
    await session.#login(options.signal);
    return session;
  }

  get serviceContent(): ServiceContent {
    if (!this.#serviceContent) throw new Error('service content not retrieved');
    return this.#serviceContent;
  }

  /** The server-side session id (admins see it in the session list; not the cookie). */
  get sessionKey(): string | undefined {
    return this.#sessionKey;
  }

  /** Headers that authenticate a plain HTTP request (datastore /folder) with this session. */
  authHeaders(): Record<string, string> {
    return this.#cookie ? { cookie: this.#cookie } : {};
  }

  /** One call, with one re-login and one retry when the session turns out to be gone. */
  call(method: string, self: MoRef, args: readonly XmlChild[] = [], signal?: AbortSignal): Promise<XmlNode> {
    return this.withRelogin((raw) => raw(method, self, args, signal), signal);
  }

  /**
   * Runs work that spans several calls tied to the session (a container view and its pages):
   * when the session is lost anywhere inside, logs in again and runs the whole work once more.
   */
  async withRelogin<T>(work: (raw: RawCall) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const generation = this.#generation;
    try {
      return await work(this.#raw);
    } catch (error) {
      if (!(error instanceof SessionLost)) throw error;
    }
    await this.#reloginOnce(generation, signal);
    try {
      return await work(this.#raw);
    } catch (error) {
      if (error instanceof SessionLost) throw new EngineFailure(error.value);
      throw error;
    }
  }

  /** Logs in again now (used when a plain HTTP request is refused). */
  async relogin(signal?: AbortSignal): Promise<void> {
    await this.#reloginOnce(this.#generation, signal);
  }

  async sessionIsActive(signal?: AbortSignal): Promise<boolean> {
    if (this.#sessionKey === undefined) return false;
    try {
      const response = await this.#raw('SessionIsActive', this.serviceContent.sessionManager, [el('sessionID', this.#sessionKey), el('userName', this.#loggedInUser ?? this.user)], signal);
      return booleanOf(response, 'returnval') === true;
    } catch (error) {
      if (error instanceof SessionLost) return false;
      throw error;
    }
  }

  /** Ends other sessions (an administrator's tool; the tests use it to expire a session). */
  async terminateSessions(sessionKeys: readonly string[], signal?: AbortSignal): Promise<void> {
    await this.call('TerminateSession', this.serviceContent.sessionManager, sessionKeys.map((key) => el('sessionId', key)), signal);
  }

  async logout(signal?: AbortSignal): Promise<void> {
    if (this.#cookie === undefined) return;
    try {
      await this.#raw('Logout', this.serviceContent.sessionManager, [], signal);
    } catch (error) {
      if (!(error instanceof SessionLost)) throw error;
    } finally {
      this.#cookie = undefined;
      this.#sessionKey = undefined;
    }
  }

  /** Logs out (best effort) and closes the connections. */
  async close(): Promise<void> {
    try {
      await this.logout(AbortSignal.timeout(10_000));
    } catch {
      // The server may be gone; closing our side is all that is left to do.
    }
    await this.dispatcher.close();
  }

  async #retrieveServiceContent(signal?: AbortSignal): Promise<void> {
    const response = await this.#raw('RetrieveServiceContent', SERVICE_INSTANCE, [], signal);
    const returnval = child(response, 'returnval');
    if (!returnval) return fail('VSPHERE_BAD_RESPONSE', `${this.server} returned an empty service content.`, 'This does not look like vCenter or ESXi.');
    this.#serviceContent = readServiceContent(returnval);
    if (this.#serviceContent.about.apiVersion) this.#apiVersion = this.#serviceContent.about.apiVersion;
  }

  async #login(signal?: AbortSignal): Promise<void> {
    this.#cookie = undefined;
    const response = await this.#raw('Login', this.serviceContent.sessionManager, [el('userName', this.user), el('password', this.#password)], signal);
    if (this.#cookie === undefined) {
      return fail('VSPHERE_BAD_RESPONSE', `${this.server} accepted the login but sent no session cookie.`, 'This does not look like vCenter or ESXi.');
    }
    const userSession = child(response, 'returnval');
    this.#sessionKey = textOf(userSession, 'key')?.trim();
    this.#loggedInUser = textOf(userSession, 'userName')?.trim();
    this.#generation++;
  }

  async #reloginOnce(generation: number, signal?: AbortSignal): Promise<void> {
    if (generation !== this.#generation) return; // someone else already logged in again
    this.#relogin ??= this.#login(signal).finally(() => {
      this.#relogin = undefined;
    });
    await this.#relogin;
  }

  readonly #raw: RawCall = async (method, self, args = [], signal) => {
    let body: string;
    try {
      body = soapEnvelope(method, self, args);
    } catch (error) {
      if (error instanceof XmlBuildError) return fail('INVALID_REQUEST', `${method}: ${error.message}`, 'Remove control characters from the value.');
      throw error;
    }
    let status: number;
    let text: string;
    let contentType: string;
    try {
      const response = await request(`${this.origin}/sdk`, {
        method: 'POST',
        dispatcher: this.dispatcher,
        signal,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: `"urn:vim25/${this.#apiVersion}"`,
          'user-agent': this.#userAgent,
          ...(this.#cookie ? { cookie: this.#cookie } : {}),
        },
        body,
      });
      status = response.statusCode;
      contentType = String(response.headers['content-type'] ?? '');
      const cookie = sessionCookieFrom(response.headers['set-cookie']);
      if (cookie) this.#cookie = cookie;
      text = await response.body.text();
    } catch (error) {
      if (error instanceof EngineFailure) throw error;
      throw new EngineFailure(networkErrorToError(error, { server: this.server, operation: method }));
    }
    return this.#interpret(method, status, contentType, text);
  };

  #interpret(method: string, status: number, contentType: string, text: string): XmlNode {
    const badResponse = (reason: string): never =>
      fail('VSPHERE_BAD_RESPONSE', `${this.server} did not answer ${method} like vCenter or ESXi (HTTP ${status}: ${reason}).`, status === 503 ? 'The vCenter services may still be starting; wait a few minutes and try again.' : 'Check the address: it must be the vCenter or ESXi host itself (not the VAMI on port 5480, not a proxy login page).', {
        details: { server: this.server, method, httpStatus: status, contentType, bodyStart: text.slice(0, 300) },
      });
    if (!/xml/i.test(contentType) && !text.trimStart().startsWith('<?xml') && !text.trimStart().startsWith('<soap')) badResponse('not XML');
    let outcome;
    try {
      outcome = readSoapEnvelope(parseXml(text));
    } catch (error) {
      if (error instanceof XmlParseError) return badResponse(error.message);
      throw error;
    }
    if (outcome.kind === 'not-soap') return badResponse(outcome.reason);
    if (outcome.kind === 'fault') {
      const value = faultToError(outcome.fault, { method, server: this.server });
      if (isSessionFault(outcome.fault) && method !== 'Login') throw new SessionLost(value);
      throw new EngineFailure(value);
    }
    if (status !== 200) return badResponse('an answer with an error status but no fault');
    const propertyFault = method.endsWith('RetrievePropertiesEx') ? propertyLevelSessionFault(outcome.response) : undefined;
    if (propertyFault) throw new SessionLost(faultToError(propertyFault, { method, server: this.server }));
    return outcome.response;
  }
}
