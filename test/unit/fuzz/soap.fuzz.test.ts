import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, it } from 'vitest';
import { getVmDetails, listInventory } from '../../../electron/engine/vsphere/inventory';
import { VsphereSession } from '../../../electron/engine/vsphere/session';
import { parseXml, XmlParseError } from '../../../electron/engine/vsphere/xml';
import { FakeVcenter, HOST, response, sample, withXsiPrefix, xmlReply } from '../vsphere/fake-vcenter';
import { fuzzParameters, fuzzTimeout, mutatedText, reportSeed, resultOrErrorValue, resultOrErrorValueAsync } from './harness';

/**
 * Issue 11: what vCenter (or whatever answers at its address) sends back, through the real
 * client: a scripted vCenter (undici's MockAgent) answers one of the calls with a mutated
 * recording from vcsim, with either status, and the session, the property collector and the
 * inventory mapping must end in a result or an error value.
 */

reportSeed();

afterEach(() => FakeVcenter.closeAll());

const samples = readdirSync(new URL('../vsphere/samples/', import.meta.url))
  .filter((name) => name.endsWith('.xml'))
  .sort();
const recorded = samples.map(sample);
/** vCenter writes `xsi:type` with a prefix declared once; vcsim spells it out each time. Both shapes. */
const seeds = [...recorded, ...recorded.map(withXsiPrefix)];

const VALUE_TOKENS = ['', '-1', '0', '1e309', 'NaN', '18446744073709551616', '9007199254740993', 'true', 'x'.repeat(5000), '&amp;', '&lt;x&gt;', '[ds1] ../../etc', 'vm-60', 'group-d1', 'poweredOn', ' '];

/**
 * Edits that keep the XML well-formed and change what is inside the elements (numbers, names,
 * references), so the readers behind the parser (property sets, devices, layouts) are reached.
 */
function withValues(xml: string, picks: ReadonlyArray<{ at: number; value: string }>): string {
  const texts = [...xml.matchAll(/>([^<]*)</g)];
  if (texts.length === 0) return xml;
  const replaced = new Map(picks.map(({ at, value }) => [texts[at % texts.length]!.index, value]));
  return xml.replace(/>([^<]*)</g, (all, _text: string, index: number) => (replaced.has(index) ? `>${replaced.get(index)!}<` : all));
}

function mutatedSoap(bodies: readonly string[]): fc.Arbitrary<string> {
  const values = fc.tuple(fc.constantFrom(...bodies), fc.array(fc.record({ at: fc.nat(), value: fc.oneof(fc.constantFrom(...VALUE_TOKENS), fc.string({ maxLength: 30 })) }), { minLength: 1, maxLength: 8 })).map(([xml, picks]) => withValues(xml, picks));
  return fc.oneof(values, mutatedText(bodies));
}

describe('fuzz: SOAP responses', () => {
  it('the XML reader: a document or its own parse error (turned into VSPHERE_BAD_RESPONSE by the session)', () => {
    fc.assert(
      fc.property(mutatedText(seeds), (text) => {
        resultOrErrorValue('parseXml', () => {
          try {
            return parseXml(text);
          } catch (error) {
            if (error instanceof XmlParseError) return null;
            throw error;
          }
        });
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());

  /** The answers, in order, that getVmDetails reads (after the login). */
  const DETAILS = [sample('inventory-entities.xml'), sample('root-folder.xml'), sample('vm-properties.xml')];

  it('a VM\u2019s details: one of its three property reads mutated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: DETAILS.length - 1 }), mutatedSoap([...DETAILS, ...DETAILS.map(withXsiPrefix), ...seeds]), fc.constantFrom(200, 500), fc.boolean(), async (which, body, status, xsi) => {
        const fake = new FakeVcenter({
          CreateContainerView: () => xmlReply(response('CreateContainerView', '<returnval type="ContainerView">session[x]view-1</returnval>')),
          RetrievePropertiesEx: (_exchange, call) => {
            const index = (call - 1) % DETAILS.length;
            if (index === which) return xmlReply(body, status);
            return xmlReply(xsi ? withXsiPrefix(DETAILS[index]!) : DETAILS[index]!);
          },
        });
        const session = await VsphereSession.open({ host: HOST, port: 443, user: 'fuzz@vsphere.local', password: 'x', dispatcher: fake.agent });
        await resultOrErrorValueAsync('getVmDetails', () => getVmDetails(session, 'vm-60'));
      }),
      fuzzParameters({ weight: 0.5 }),
    );
  }, fuzzTimeout({ weight: 0.5 }));

  it('the inventory of every VM: the page of VMs mutated', async () => {
    const entities = sample('inventory-entities.xml');
    const root = sample('root-folder.xml');
    const vms = sample('vms-full-config.xml');
    await fc.assert(
      fc.asyncProperty(mutatedSoap([vms, withXsiPrefix(vms), sample('page-first.xml'), sample('page-last.xml')]), fc.constantFrom(200, 500), async (body, status) => {
        const fake = new FakeVcenter({
          CreateContainerView: () => xmlReply(response('CreateContainerView', '<returnval type="ContainerView">session[x]view-1</returnval>')),
          RetrievePropertiesEx: (_exchange, call) => xmlReply(call === 1 ? entities : call === 2 ? root : body, call <= 2 ? 200 : status),
          ContinueRetrievePropertiesEx: () => xmlReply(body, status),
        });
        const session = await VsphereSession.open({ host: HOST, port: 443, user: 'fuzz@vsphere.local', password: 'x', dispatcher: fake.agent });
        await resultOrErrorValueAsync('listInventory', () => listInventory(session));
      }),
      fuzzParameters({ weight: 0.5 }),
    );
  }, fuzzTimeout({ weight: 0.5 }));

  it('logging in: the service content or the login answer mutated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('RetrieveServiceContent', 'Login'), mutatedSoap([sample('service-content.xml'), sample('login.xml'), sample('fault-invalid-login.xml')]), fc.constantFrom(200, 500), async (method, body, status) => {
        const fake = new FakeVcenter({ [method]: () => xmlReply(body, status) });
        await resultOrErrorValueAsync('VsphereSession.open', () => VsphereSession.open({ host: HOST, port: 443, user: 'fuzz@vsphere.local', password: 'x', dispatcher: fake.agent }));
      }),
      fuzzParameters({ weight: 0.5 }),
    );
  }, fuzzTimeout({ weight: 0.5 }));
});
