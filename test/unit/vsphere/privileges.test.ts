import { afterEach, describe, expect, it } from 'vitest';
import { checkPrivileges, parsePrivilegeAvailability } from '../../../electron/engine/vsphere/privileges';
import { VsphereSession } from '../../../electron/engine/vsphere/session';
import { child, parseXml, path } from '../../../electron/engine/vsphere/xml';
import { faultEnvelope, FakeVcenter, HOST, sample, withXsiPrefix, xmlReply } from './fake-vcenter';

const answer = (xml: string) => child(path(parseXml(xml), 'Body'), 'HasPrivilegeOnEntitiesResponse')!;
const vm = { type: 'VirtualMachine', value: 'vm-54' };
const datastore = { type: 'Datastore', value: 'datastore-49' };

afterEach(() => FakeVcenter.closeAll());

describe('privilege answers', () => {
  it.each([['vcsim'], ['xsi']])('reads each entity with each privilege (%s)', (variant) => {
    const xml = variant === 'xsi' ? withXsiPrefix(sample('has-privilege-on-entities.xml')) : sample('has-privilege-on-entities.xml');
    const read = parsePrivilegeAvailability(answer(xml));
    expect(read.map((e) => [e.entity, [...e.granted]])).toEqual([
      [vm, [['Datastore.Browse', true], ['VirtualMachine.Interact.PowerOff', true]]],
      [datastore, [['Datastore.Browse', true], ['VirtualMachine.Interact.PowerOff', true]]],
    ]);
  });

  it('reads a denied privilege as not granted', () => {
    const denied = sample('has-privilege-on-entities.xml').replace('<privId>VirtualMachine.Interact.PowerOff</privId><isGranted>true', '<privId>VirtualMachine.Interact.PowerOff</privId><isGranted>false');
    const read = parsePrivilegeAvailability(answer(denied));
    expect(read[0]!.granted.get('VirtualMachine.Interact.PowerOff')).toBe(false);
    expect(read[1]!.granted.get('VirtualMachine.Interact.PowerOff')).toBe(true);
  });
});

describe('asking the server', () => {
  it('asks once for every entity and privilege, naming this session', async () => {
    const fake = new FakeVcenter({ HasPrivilegeOnEntities: () => xmlReply(sample('has-privilege-on-entities.xml')) });
    const session = await VsphereSession.open({ host: HOST, user: 'u', password: 'p', dispatcher: fake.agent });
    const check = await checkPrivileges(session, [vm, datastore], ['Datastore.Browse', 'VirtualMachine.Interact.PowerOff']);
    expect(check.checked).toBe(true);
    const body = fake.calls('HasPrivilegeOnEntities')[0]!.body;
    expect(body).toContain('<_this type="AuthorizationManager">AuthorizationManager</_this><entity type="VirtualMachine">vm-54</entity><entity type="Datastore">datastore-49</entity><sessionId>session-1</sessionId><privId>Datastore.Browse</privId><privId>VirtualMachine.Interact.PowerOff</privId>');
  });

  it('says why when the server cannot answer, instead of failing the pre-flight', async () => {
    const fake = new FakeVcenter({
      HasPrivilegeOnEntities: () => xmlReply(faultEnvelope('Method not found', '<MethodNotFoundFault xmlns="urn:vim25" xsi:type="MethodNotFound"></MethodNotFoundFault>'), 500),
    });
    const session = await VsphereSession.open({ host: HOST, user: 'u', password: 'p', dispatcher: fake.agent });
    const check = await checkPrivileges(session, [vm], ['Datastore.Browse']);
    expect(check).toMatchObject({ checked: false });
    expect(check.checked === false && check.reason).toMatch(/Method not found|HasPrivilegeOnEntities/);
  });
});
