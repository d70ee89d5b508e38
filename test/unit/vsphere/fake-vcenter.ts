import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MockAgent } from 'undici';

/**
 * A scripted vCenter for unit tests of the client's logic (cookies, re-login, paging, faults),
 * on undici's MockAgent: every POST /sdk is answered by a handler chosen by the SOAP method
 * name. Answers are the samples recorded from vcsim unless a test says otherwise.
 */

export const HOST = 'vc.example.test';
/** undici drops the default port from origins. */
export const ORIGIN = `https://${HOST}`;

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), 'samples');

export function sample(name: string): string {
  return readFileSync(join(SAMPLES, name), 'utf8');
}

/** The same document as a real vCenter writes it: `xsi:type` declared once on the envelope. */
export function withXsiPrefix(xml: string): string {
  return xml.replace(/ xmlns:XMLSchema-instance="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance"/g, '').replace(/XMLSchema-instance:type=/g, 'xsi:type=');
}

export function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

export function faultEnvelope(faultString: string, detail: string): string {
  return envelope(`<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${faultString}</faultstring><detail>${detail}</detail></soapenv:Fault>`);
}

export function response(method: string, inner = ''): string {
  return envelope(`<${method}Response xmlns="urn:vim25">${inner}</${method}Response>`);
}

export interface Exchange {
  method: string;
  body: string;
  headers: Record<string, string>;
}

export interface Reply {
  status?: number;
  body: string;
  headers?: Record<string, string>;
}

export type Handler = (exchange: Exchange, call: number) => Reply;

export const xmlReply = (body: string, status = 200, headers: Record<string, string> = {}): Reply => ({ status, body, headers: { 'content-type': 'text/xml; charset=utf-8', ...headers } });

const live = new Set<MockAgent>();

export class FakeVcenter {
  readonly agent = new MockAgent();

  /** For afterEach: closes every fake made since the last call. */
  static async closeAll(): Promise<void> {
    const agents = [...live];
    live.clear();
    await Promise.all(agents.map((agent) => agent.close()));
  }

  readonly requests: Exchange[] = [];
  logins = 0;
  private readonly handlers = new Map<string, Handler>();

  constructor(handlers: Record<string, Handler> = {}) {
    this.agent.disableNetConnect();
    live.add(this.agent);
    this.on('RetrieveServiceContent', () => xmlReply(sample('service-content.xml')));
    this.on('Login', () => {
      this.logins++;
      return xmlReply(sample('login.xml').replace(/<key>[^<]*<\/key>/, `<key>session-${this.logins}</key>`), 200, { 'set-cookie': `vmware_soap_session="cookie-${this.logins}"; Path=/; HttpOnly; Secure;` });
    });
    this.on('Logout', () => xmlReply(response('Logout')));
    this.on('DestroyView', () => xmlReply(response('DestroyView')));
    for (const [method, handler] of Object.entries(handlers)) this.on(method, handler);
    this.agent
      .get(ORIGIN)
      .intercept({ path: '/sdk', method: 'POST' })
      .reply((options) => {
        const body = typeof options.body === 'string' ? options.body : '';
        const method = /<soapenv:Body><(\w+)/.exec(body)?.[1] ?? '?';
        const headers = Object.fromEntries(Object.entries((options.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)]));
        const exchange = { method, body, headers };
        this.requests.push(exchange);
        const handler = this.handlers.get(method);
        const reply = handler
          ? handler(exchange, this.count(method))
          : xmlReply(faultEnvelope(`${method} is not scripted`, '<MethodNotFoundFault xmlns="urn:vim25" xsi:type="MethodNotFound"></MethodNotFoundFault>'), 500);
        return { statusCode: reply.status ?? 200, data: reply.body, responseOptions: { headers: reply.headers ?? {} } };
      })
      .persist();
  }

  on(method: string, handler: Handler): this {
    this.handlers.set(method, handler);
    return this;
  }

  count(method: string): number {
    return this.requests.filter((r) => r.method === method).length;
  }

  calls(method: string): Exchange[] {
    return this.requests.filter((r) => r.method === method);
  }
}
