import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elementChildren, parseXml, serialize } from '../activities/devices/netconf/xml.ts';
import { EditError, editConfiguration, emptyConfiguration, filterData, junosXnmNs } from './datastore.ts';

const netconfNs = 'urn:ietf:params:xml:ns:netconf:base:1.0';
/** The <config> of an edit-config, as it arrives inside an <rpc> (whose default namespace is NETCONF's). */
const config = (content: string) => elementChildren(parseXml(`<config xmlns="${netconfNs}" xmlns:nc="${netconfNs}">${content}</config>`).documentElement!);
const edit = (content: string, base = emptyConfiguration()) => editConfiguration(base, config(content));

function refusal(content: string): EditError {
  try {
    edit(content);
  } catch (error) {
    if (error instanceof EditError) return error;
    throw error;
  }
  assert.fail(`${content} was accepted`);
}

describe('simulated Junos datastore', () => {
  it('keeps the configuration as Junos serves it, with no namespace, whether it came bare, in Junos\'s namespace or in NETCONF\'s', () => {
    for (const root of ['<configuration>', `<configuration xmlns="${junosXnmNs}">`, `<configuration xmlns="">`]) {
      const stored = edit(`${root}<system><host-name>lyon-01</host-name></system></configuration>`);
      assert.equal(serialize(stored), '<configuration><system><host-name>lyon-01</host-name></system></configuration>');
    }
    assert.equal(serialize(edit(`<configuration xmlns="${netconfNs}"><system><host-name>lyon-01</host-name></system></configuration>`)),
      '<configuration><system><host-name>lyon-01</host-name></system></configuration>');
  });

  it('refuses a statement Junos does not know with a syntax error naming it and where it stands', () => {
    const error = refusal('<configuration><interfaces><interface><name>ge-0/0/0</name><unit><name>0</name><address>192.0.2.1/30</address></unit></interface></interfaces></configuration>');
    assert.deepEqual([error.tag, error.message, error.path, error.badElement], ['unknown-element', 'syntax error', '[edit interfaces interface ge-0/0/0 unit 0]', 'address']);
    assert.equal(refusal('<data><system/></data>').tag, 'unknown-element', 'a root that is not <configuration>');
  });

  it('refuses a value outside its type and a list entry without its key', () => {
    const bad = refusal('<configuration><vlans><vlan><name>staff</name><vlan-id>5000</vlan-id></vlan></vlans></configuration>');
    assert.deepEqual([bad.tag, bad.path, bad.badElement], ['invalid-value', '[edit vlans vlan staff vlan-id]', 'vlan-id']);
    assert.equal(refusal('<configuration><security><ike><proposal><name>p</name><dh-group>group99</dh-group></proposal></ike></security></configuration>').tag, 'invalid-value');
    const missing = refusal('<configuration><security><policies><policy><from-zone-name>trust</from-zone-name><policy><name>p</name></policy></policy></policies></security></configuration>');
    assert.deepEqual([missing.tag, missing.badElement], ['missing-element', 'to-zone-name']);
  });

  it('matches list entries by all their keys, and merges leaf-list values one by one', () => {
    const policy = (from: string, to: string, application: string) => `<policy><from-zone-name>${from}</from-zone-name><to-zone-name>${to}</to-zone-name>`
      + `<policy><name>p</name><match><application>${application}</application></match></policy></policy>`;
    const first = edit(`<configuration><security><policies>${policy('trust', 'untrust', 'junos-http')}</policies></security></configuration>`);
    const merged = edit(`<configuration><security><policies>${policy('trust', 'vpn', 'any')}${policy('trust', 'untrust', 'junos-https')}</policies></security></configuration>`, first);
    const contexts = merged.getElementsByTagName('from-zone-name');
    assert.equal(contexts.length, 2, 'trust→vpn is a policy context of its own');
    assert.deepEqual(Array.from(merged.getElementsByTagName('application')).map((a) => a.textContent), ['junos-http', 'junos-https', 'any']);
  });

  it('answers a subtree filter naming the configuration bare or in NETCONF\'s namespace', () => {
    const stored = edit('<configuration><system><host-name>lyon-01</host-name><services><ssh/></services></system></configuration>');
    const filter = parseXml(`<filter xmlns="${netconfNs}"><configuration><system><host-name/></system></configuration></filter>`).documentElement!;
    assert.equal(filterData([stored.documentElement!], filter), '<configuration><system><host-name>lyon-01</host-name></system></configuration>');
  });
});
