import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elementChildren, parseXml, serialize } from '../activities/devices/netconf/xml.ts';
import type { DeviceConfigInput, TunnelConfig } from '../domain/render/device-config.ts';
import { junosRenderer } from '../domain/render/junos.ts';
import { ConfigStore, StoreError } from './config-store.ts';
import { validateConfiguration } from './validation.ts';

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

const nc = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';
const security = (xml: string) => `<configuration ${nc}><security>${xml}</security></configuration>`;
const st0 = (xml: string) => `<configuration ${nc}><interfaces><interface><name>st0</name>${xml}</interface></interfaces></configuration>`;

/** A hub whose running configuration passed a commit's checks, with tunnels 1 to `count`. */
function hubWithTunnels(count: number): ConfigStore {
  const store = new ConfigStore(junosRenderer.stage2(hub));
  for (let unit = 1; unit <= count; unit++) store.edit('candidate', config(junosRenderer.tunnel(tunnel(unit), hub.wanLinks).add), 'merge', session.sessionId);
  store.commit(session);
  return store;
}

/** The whole check's verdict on the candidate, as a refusal words it. */
const wholeCheck = (store: ConfigStore) => validateConfiguration(store.candidate, { schemaChecked: true }).map((p) => p.message).join('; ');

/** Commits the candidate; the refusal's message, or '' when it was committed. */
function commitOutcome(store: ConfigStore): string {
  try {
    store.commit(session);
    return '';
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    store.discardChanges(session.sessionId);
    return error.message;
  }
}

describe('commit check of a hub changed by tunnel edits', () => {
  it('refuses a dangling reference the edit creates, in the words of the whole check', () => {
    const store = hubWithTunnels(3);
    store.edit('candidate', config(security('<ipsec><vpn><name>lost</name><bind-interface>st0.3</bind-interface><ike><gateway>nowhere</gateway></ike></vpn></ipsec>')), 'merge', session.sessionId);
    const expected = wholeCheck(store);
    assert.match(expected, /VPN lost: IKE gateway nowhere is not defined; VPN lost: st0.3 is bound to VPN spoke-3-3 already/);
    assert.equal(commitOutcome(store), expected);
    assert.doesNotMatch(store.runningConfiguration, /lost/);
  });

  it('refuses a deletion that leaves a reference dangling in a statement the edit did not touch', () => {
    const store = hubWithTunnels(3);
    for (const [deleted, refusal] of [
      [security(`<ike><gateway nc:operation="delete"><name>spoke-2-2</name></gateway></ike>`), /VPN spoke-2-2: IKE gateway spoke-2-2 is not defined/],
      [security(`<ike><proposal nc:operation="delete"><name>spoke-1-1</name></proposal></ike>`), /IKE policy spoke-1-1: proposal spoke-1-1 is not defined/],
      [security(`<ipsec><policy nc:operation="delete"><name>spoke-3-3</name></policy></ipsec>`), /VPN spoke-3-3: ipsec-policy spoke-3-3 is not defined/],
      [st0(`<unit nc:operation="delete"><name>2</name></unit>`), /VPN spoke-2-2 binds to st0.2, which is not configured; zone vpn: interface st0.2 is not configured/],
      [`<configuration ${nc}><interfaces><interface><name>ge-0/0/1</name><unit nc:operation="delete"><name>0</name></unit></interface></interfaces></configuration>`, /IKE gateway spoke-1-1: external-interface ge-0\/0\/1.0 is not a configured unit/],
    ] as const) {
      store.edit('candidate', config(deleted), 'merge', session.sessionId);
      const expected = wholeCheck(store);
      assert.match(expected, refusal);
      assert.equal(commitOutcome(store), expected);
    }
    assert.equal(store.running.getElementsByTagName('vpn').length, 3, 'nothing was committed');
  });

  it('refuses a value an untouched statement holds already: a tunnel address, a VPN\'s st0 unit, a zone member', () => {
    const store = hubWithTunnels(2);
    for (const [edit, refusal] of [
      [st0('<unit><name>7</name><family><inet><address><name>172.16.0.5/30</name></address></inet></family></unit>'), /address 172.16.0.5\/30 is already on st0.1/],
      [security('<ipsec><vpn><name>spoke-2-2</name><bind-interface>st0.1</bind-interface></vpn></ipsec>'), /VPN spoke-2-2: st0.1 is bound to VPN spoke-1-1 already/],
      [security('<zones><security-zone><name>untrust</name><interfaces><name>st0.2</name></interfaces></security-zone></zones>'), /interface st0.2 is in zone/],
    ] as const) {
      store.edit('candidate', config(edit), 'merge', session.sessionId);
      const expected = wholeCheck(store);
      assert.match(expected, refusal);
      assert.equal(commitOutcome(store), expected);
    }
  });

  it('takes tunnels away and back as the whole check would, its references kept up from commit to commit', () => {
    const store = hubWithTunnels(3);
    store.edit('candidate', config(junosRenderer.tunnel(tunnel(2), hub.wanLinks).remove), 'merge', session.sessionId);
    assert.equal(commitOutcome(store), '');
    // st0.2 is gone with its VPN: binding another VPN to it is refused, and so is a route through it.
    store.edit('candidate', config(security('<ipsec><vpn><name>spoke-3-3</name><bind-interface>st0.2</bind-interface></vpn></ipsec>')), 'merge', session.sessionId);
    assert.match(commitOutcome(store), /VPN spoke-3-3 binds to st0.2, which is not configured/);
    store.edit('candidate', config(junosRenderer.tunnel(tunnel(2), hub.wanLinks).add), 'merge', session.sessionId);
    assert.equal(commitOutcome(store), '');
    store.edit('candidate', config(`<configuration ${nc}><routing-options><static><route><name>10.9.0.0/16</name><qualified-next-hop><name>st0.2</name></qualified-next-hop></route></static></routing-options></configuration>`), 'merge', session.sessionId);
    assert.equal(commitOutcome(store), '');
    store.edit('candidate', config(junosRenderer.tunnel(tunnel(2), hub.wanLinks).remove), 'merge', session.sessionId);
    assert.match(commitOutcome(store), /next hop "st0.2" of route 10.9.0.0\/16 is not an IPv4 address/);
  });

  it('agrees with the whole check on every one of many random tunnel edits', () => {
    const store = hubWithTunnels(6);
    let seed = 21;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const lists = [['ike', 'proposal'], ['ike', 'policy'], ['ike', 'gateway'], ['ipsec', 'proposal'], ['ipsec', 'policy'], ['ipsec', 'vpn']] as const;
    const edits: (() => string)[] = [
      () => junosRenderer.tunnel(tunnel(1 + random(9)), hub.wanLinks).add,
      () => junosRenderer.tunnel(tunnel(1 + random(9)), hub.wanLinks).remove,
      () => {
        const [section, list] = lists[random(lists.length)]!;
        return security(`<${section}><${list} nc:operation="remove"><name>spoke-${1 + random(9)}-${1 + random(9)}</name></${list}></${section}>`);
      },
      () => st0(`<unit nc:operation="remove"><name>${1 + random(9)}</name></unit>`),
      () => st0(`<unit><name>${1 + random(9)}</name><family><inet><address><name>172.16.0.${(1 + random(9)) * 4 + 1}/30</name></address></inet></family></unit>`),
      () => security(`<ipsec><vpn><name>spoke-${1 + random(9)}-${1 + random(9)}</name><bind-interface>st0.${1 + random(9)}</bind-interface></vpn></ipsec>`),
      () => security(`<ike><gateway><name>spoke-${1 + random(9)}-${1 + random(9)}</name><ike-policy>spoke-${1 + random(9)}-${1 + random(9)}</ike-policy><external-interface>${random(2) ? 'ge-0/0/1.0' : `st0.${random(9)}`}</external-interface></gateway></ike>`),
      () => security(`<zones><security-zone><name>${random(2) ? 'vpn' : 'untrust'}</name><interfaces><name>st0.${1 + random(9)}</name></interfaces></security-zone></zones>`),
      () => security(`<zones><security-zone><name>vpn</name><interfaces nc:operation="remove"><name>st0.${1 + random(9)}</name></interfaces></security-zone></zones>`),
    ];
    let [committed, refused] = [0, 0];
    for (let step = 0; step < 300; step++) {
      for (let n = 1 + random(3); n > 0; n--) store.edit('candidate', config(edits[random(edits.length)]!()), 'merge', session.sessionId);
      const expected = wholeCheck(store);
      assert.equal(commitOutcome(store), expected, `step ${step}`);
      if (expected) refused++;
      else committed++;
    }
    assert.ok(committed > 50 && refused > 50, `${committed} committed, ${refused} refused`);
  });
});
