import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elementChildren, parseXml, serialize } from '../activities/devices/netconf/xml.ts';
import { editConfiguration, filterData, parseConfiguration } from '../simulator/datastore.ts';
import { AmbiguousScopeError, applyScopedChange, changeScope, rebuildsUnambiguously } from './config-delta.ts';
import { diffConfigs, sameConfiguration } from './config-diff.ts';
import { junosRenderer } from './render/junos.ts';
import type { TunnelConfig, WanLinkConfig } from './render/device-config.ts';

const wanLinks: WanLinkConfig[] = [{ name: 'internet', interfaceName: 'ge-0/0/1', address: '192.0.2.1/24', gateway: '192.0.2.254' }];
const tunnel = (unit: number): TunnelConfig => ({ name: `spoke-${unit}`, unit, peer: `203.0.113.${unit}`, localAddress: `172.16.${Math.floor(unit / 64)}.${(unit % 64) * 4 + 1}/30`, viaLink: 'internet' });

/** A hub as the simulator keeps it, with `units` tunnels. */
const hub = (units: number) => serialize(editConfiguration(parseConfiguration(junosRenderer.stage2({
  hostname: 'hub-1', loopback: '10.255.0.1/32', wanLinks, lanSegments: [],
  tunnels: Array.from({ length: units }, (_, i) => tunnel(i + 1)),
})), []));

/** What the simulated device runs after merging `edit`, and its reading of the edit's scope then. */
function deviceAfter(running: string, edit: string): { after: string; read: string; scope: string } {
  const after = editConfiguration(parseConfiguration(running), elementChildren(parseXml(`<config>${edit}</config>`).documentElement!), 'merge');
  const scope = changeScope(edit)!;
  return { after: serialize(after), read: filterData([after.documentElement!], parseXml(`<filter>${scope}</filter>`).documentElement!), scope };
}

describe('changeScope', () => {
  it('selects the list entries a tunnel edit names, not the lists that hold them', () => {
    const scope = changeScope(junosRenderer.tunnel(tunnel(7), wanLinks).add)!;
    assert.match(scope, /<gateway><name>spoke-7-7<\/name><\/gateway>/);
    assert.match(scope, /<security-zone><name>vpn<\/name><interfaces><name>st0\.7<\/name><\/interfaces><\/security-zone>/);
    assert.match(scope, /<interface><name>st0<\/name><unit><name>7<\/name><description\/><family><inet><address><name>172\.16\.0\.29\/30<\/name><\/address><\/inet><\/family><\/unit><\/interface>/);
  });

  it('reads a statement whole when the edit replaces or removes it, and once when several edits name it', () => {
    const scope = changeScope('<configuration><security><policies nc:operation="replace"><policy><from-zone-name>a</from-zone-name></policy></policies></security></configuration>'
      + '<configuration><security><policies><policy><name>x</name></policy></policies></security></configuration>')!;
    assert.equal(scope, '<configuration><security><policies/></security></configuration>');
  });

  it('has no scope for an edit that replaces the whole configuration', () => {
    assert.equal(changeScope('<configuration nc:operation="replace"><system/></configuration>'), undefined);
  });
});

describe('applyScopedChange', () => {
  it('rebuilds what the device runs after tunnels are added and removed, from the scope it read back', () => {
    let running = hub(20);
    let rebuilt = running;
    const edits = [
      junosRenderer.tunnel(tunnel(21), wanLinks).add + junosRenderer.tunnel(tunnel(22), wanLinks).add,
      junosRenderer.tunnel(tunnel(5), wanLinks).remove,
      junosRenderer.tunnel({ ...tunnel(9), peer: '203.0.113.200' }, wanLinks).add,
      junosRenderer.tunnel(tunnel(21), wanLinks).remove + junosRenderer.tunnel(tunnel(23), wanLinks).add,
    ];
    for (const edit of edits) {
      const { after, read, scope } = deviceAfter(running, edit);
      assert.ok(rebuildsUnambiguously(scope, read));
      rebuilt = applyScopedChange(rebuilt, scope, read);
      assert.equal(diffConfigs(after, rebuilt), '', 'the rebuilt configuration reads as the device runs it, in its order');
      running = after;
    }
    assert.ok(sameConfiguration(running, rebuilt));
  });

  it('reads far less than the whole configuration of a large hub', () => {
    const running = hub(300);
    const { read } = deviceAfter(running, junosRenderer.tunnel(tunnel(301), wanLinks).add);
    assert.ok(read.length * 50 < running.length, `${read.length} of ${running.length} characters read`);
  });

  it('refuses a scope that goes down a list keyed otherwise than by name', () => {
    const base = '<configuration><policies><policy><from-zone-name>a</from-zone-name><policy><name>p</name></policy></policy>'
      + '<policy><from-zone-name>b</from-zone-name><policy><name>q</name></policy></policy></policies></configuration>';
    const scope = changeScope('<configuration><policies><policy><from-zone-name>a</from-zone-name><policy><name>p</name><then/></policy></policy></policies></configuration>')!;
    assert.throws(() => applyScopedChange(base, scope, base), AmbiguousScopeError);
    assert.equal(rebuildsUnambiguously(scope, base), false);
  });
});
