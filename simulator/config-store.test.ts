import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elementChildren, parseXml, serialize } from '../activities/devices/netconf/xml.ts';
import type { DeviceConfigInput, TunnelConfig } from '../domain/render/device-config.ts';
import { junosRenderer } from '../domain/render/junos.ts';
import { ConfigStore, StoreError } from './config-store.ts';

const hub: DeviceConfigInput = {
  hostname: 'ghent-hub',
  loopback: '10.255.255.1/32',
  wanLinks: [{ name: 'internet', interfaceName: 'ge-0/0/1', address: '203.0.113.1/24', gateway: '203.0.113.254' }],
  lanSegments: [],
  tunnels: [],
};
const tunnel = (unit: number): TunnelConfig => ({ name: `spoke-${unit}`, unit, peer: `192.0.2.${unit}`, localAddress: `172.16.0.${unit * 4 + 1}/30`, viaLink: 'internet' });
const config = (xml: string) => elementChildren(parseXml(`<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">${xml}</config>`).documentElement!);
const session = { sessionId: 1, username: 'branchline' };

function refusal(run: () => void): StoreError {
  try {
    run();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  assert.fail('accepted');
}

describe('simulated configuration store', () => {
  it('after each commit, serves the running configuration as its tree serialises, and edits a candidate equal to it', () => {
    const store = new ConfigStore(junosRenderer.stage2(hub));
    for (const unit of [1, 2, 3]) {
      store.edit('candidate', config(junosRenderer.tunnel(tunnel(unit), hub.wanLinks).add), 'merge', session.sessionId);
      store.commit({ ...session, confirmed: true });
      store.commit(session);
      assert.equal(store.runningConfiguration, serialize(store.running));
      assert.equal(serialize(store.candidate), serialize(store.running));
    }
    assert.equal(store.running.getElementsByTagName('vpn').length, 3);
    assert.deepEqual(store.journal.at(-2)?.sections, ['interfaces', 'security']);
    assert.equal(store.journal.at(-1)?.changed, false, 'the confirm changes nothing');
    assert.match(store.rollbacks[0]!, /spoke-2/);
    assert.doesNotMatch(store.rollbacks[0]!, /spoke-3/);
  });

  it('serves the text of what its edits touched afresh, and finds entries by their keys, through removals, replacements and edits taken back', () => {
    const store = new ConfigStore(junosRenderer.stage2(hub));
    const committed = () => {
      store.commit(session);
      assert.equal(store.runningConfiguration, serialize(store.running));
      assert.equal(serialize(store.candidate), serialize(store.running));
    };
    for (const unit of [1, 2, 3]) store.edit('candidate', config(junosRenderer.tunnel(tunnel(unit), hub.wanLinks).add), 'merge', session.sessionId);
    committed();
    store.edit('candidate', config(junosRenderer.tunnel(tunnel(2), hub.wanLinks).remove), 'merge', session.sessionId);
    committed();
    assert.doesNotMatch(store.runningConfiguration, /spoke-2/);
    const nc = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';
    store.edit('candidate', config(`<configuration ${nc}><interfaces><interface><name>st0</name><unit nc:operation="replace"><name>3</name><description>R&amp;D &lt;lab&gt; "east"</description></unit></interface></interfaces></configuration>`), 'merge', session.sessionId);
    assert.throws(() => store.edit('candidate', config(`<configuration ${nc}><interfaces><interface><name>st0</name><unit><name>1</name><description>gone</description></unit><unit nc:operation="delete"><name>2</name></unit></interface></interfaces></configuration>`), 'merge', session.sessionId), /statement not found/);
    committed();
    assert.match(store.runningConfiguration, /<unit><name>3<\/name><description>R&amp;D &lt;lab&gt; "east"<\/description><\/unit>/);
    assert.doesNotMatch(store.runningConfiguration, /gone/, 'the edit that failed was taken back whole');
    store.edit('candidate', config(junosRenderer.tunnel(tunnel(2), hub.wanLinks).add), 'merge', session.sessionId);
    store.edit('candidate', config(`<configuration ${nc}><interfaces><interface><name>st0</name><unit><name>2</name><description>back</description></unit></interface></interfaces></configuration>`), 'merge', session.sessionId);
    committed();
    assert.equal(store.running.getElementsByTagName('vpn').length, 3);
    assert.match(store.runningConfiguration, /<unit><name>2<\/name><description>back<\/description>/, 'the entry added again is found by its keys');
  });

  it('takes back a discarded edit exactly, and a failed one whole (rollback-on-error)', () => {
    const store = new ConfigStore(junosRenderer.stage2(hub));
    const before = serialize(store.candidate);
    store.edit('candidate', config(junosRenderer.tunnel(tunnel(1), hub.wanLinks).add), 'merge', session.sessionId);
    store.discardChanges(session.sessionId);
    assert.equal(serialize(store.candidate), before);
    assert.throws(() => store.edit('candidate', config('<configuration><system><host-name>x</host-name></system><vlans><vlan nc:operation="delete" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><name>none</name></vlan></vlans></configuration>'), 'merge', session.sessionId), /statement not found/);
    assert.equal(serialize(store.candidate), before, 'the host name merged before the failing delete went again');
  });

  it('still refuses at commit what crosses statements: a VPN naming a gateway that is not there', () => {
    const store = new ConfigStore(junosRenderer.stage2(hub));
    store.edit('candidate', config('<configuration><security><ipsec><vpn><name>lost</name><bind-interface>st0.9</bind-interface><ike><gateway>nowhere</gateway></ike></vpn></ipsec></security></configuration>'), 'merge', session.sessionId);
    const error = refusal(() => store.commit(session));
    assert.equal(error.tag, 'invalid-value');
    assert.match(error.message, /IKE gateway nowhere is not defined/);
    assert.equal(store.runningConfiguration, serialize(store.running));
    assert.doesNotMatch(store.runningConfiguration, /lost/);
  });

  it('checks a loaded rollback against the whole schema, as it was made by no checked edit', () => {
    const store = new ConfigStore('<configuration><system><host-name>ghent-hub</host-name><flux-capacitor/></system></configuration>');
    store.edit('candidate', config('<configuration><system><host-name>ghent-hub-2</host-name></system></configuration>'), 'merge', session.sessionId);
    assert.match(refusal(() => store.commit(session)).message, /syntax error/, 'a state file is checked whole too');
    store.discardChanges(session.sessionId);
    const valid = new ConfigStore(junosRenderer.stage2(hub));
    valid.rollbacks.unshift('<configuration><system><host-name>ghent-hub</host-name><flux-capacitor/></system></configuration>');
    valid.loadRollback(1, session.sessionId);
    assert.match(refusal(() => valid.commit(session)).message, /syntax error/);
  });

  it('reverts an unconfirmed commit to the configuration before it', () => {
    const store = new ConfigStore(junosRenderer.stage2(hub));
    const before = store.runningConfiguration;
    store.edit('candidate', config(junosRenderer.tunnel(tunnel(1), hub.wanLinks).add), 'merge', session.sessionId);
    store.commit({ ...session, confirmed: true });
    store.sessionEnded(session.sessionId, session.username);
    assert.equal(store.runningConfiguration, before);
    assert.equal(serialize(store.running), before);
    assert.equal(serialize(store.candidate), before);
  });
});
