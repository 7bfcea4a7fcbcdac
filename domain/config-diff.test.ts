import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configLines, diffConfigs } from './config-diff.ts';

const config = (hostName: string, vlans: number[]) =>
  `<configuration><system><host-name>${hostName}</host-name></system><interfaces><interface><name>ge-0/0/1</name>${vlans.map((v) => `<unit><name>${v}</name><vlan-id>${v}</vlan-id></unit>`).join('')}</interface></interfaces></configuration>`;

describe('diffConfigs', () => {
  it('is empty when nothing changed, whatever the whitespace', () => {
    assert.equal(diffConfigs(config('a', [10]), config('a', [10]).replace(/></g, '>\n  <')), '');
  });

  it('shows changed leaves and added entries as removed and added lines, with context', () => {
    const diff = diffConfigs(config('lyon-01', [10]), config('lyon-02', [10, 20]));
    assert.equal(diff, [
      '  <configuration>',
      '    <system>',
      '-     <host-name>lyon-01</host-name>',
      '+     <host-name>lyon-02</host-name>',
      '    </system>',
      '    <interfaces>',
      '      <interface>',
      '@@',
      '          <name>10</name>',
      '          <vlan-id>10</vlan-id>',
      '        </unit>',
      '+       <unit>',
      '+         <name>20</name>',
      '+         <vlan-id>20</vlan-id>',
      '+       </unit>',
      '      </interface>',
      '    </interfaces>',
      '  </configuration>',
    ].join('\n'));
  });

  it("shows one tunnel added to a hub with thousands as just those lines, in their place", () => {
    const hub = (units: number) => config('hub-01', Array.from({ length: units }, (_, i) => i + 1));
    const diff = diffConfigs(hub(5000), hub(5001));
    assert.deepEqual(diff.split('\n').filter((line) => /^[+-]/.test(line)), ['+       <unit>', '+         <name>5001</name>', '+         <vlan-id>5001</vlan-id>', '+       </unit>']);
    assert.match(diff, /^@@\n {10}<name>5000<\/name>/);
  });

  it('finds the shortest edit where changes are scattered, and says everything when it is all new', () => {
    const diff = diffConfigs(config('a', [1, 2, 3, 4, 5, 6, 7, 8, 9]), config('a', [1, 3, 4, 5, 6, 7, 8, 9, 10]));
    assert.equal(diff.split('\n').filter((line) => line.startsWith('-')).length, 4, 'unit 2 removed');
    assert.equal(diff.split('\n').filter((line) => line.startsWith('+')).length, 4, 'unit 10 added');
    const fresh = diffConfigs('', config('b', [1]));
    assert.ok(fresh.split('\n').every((line) => line.startsWith('+')));
  });

  it('treats an empty configuration as nothing', () => {
    assert.deepEqual(configLines(''), []);
    assert.match(diffConfigs('', config('a', [])), /^\+ <configuration>/);
  });
});

describe('configLines', () => {
  it('reads what devices write: attributes, namespace prefixes, comments, declarations and escaped text', () => {
    const device = '<?xml version="1.0"?><configuration xmlns:junos="http://xml.juniper.net/junos/*/junos" junos:commit-user="alice"><!-- by hand -->'
      + '<system><host-name>a&amp;b</host-name><junos:comment>x > y</junos:comment><ports/></system></configuration>';
    assert.deepEqual(configLines(device), ['<configuration>', '  <system>', '    <host-name>a&b</host-name>', '    <comment>x > y</comment>', '    <ports/>', '  </system>', '</configuration>']);
  });
});
