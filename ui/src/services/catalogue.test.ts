import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainGeometry, chainInWords, chainLayout, packageOf, versionsOf, type NetworkServiceTemplate } from './catalogue.ts';

describe('services catalogue', () => {
  it('reads a package row back whole, with the catalogue schema filling in its defaults', () => {
    const pkg = packageOf({
      id: '0190a5c4-0000-7000-8000-000000000001', vendor: 'Juniper Networks', product: 'vsrx', version: '1.0', type: 'firewall', createdAt: '2026-01-01T00:00:00Z',
      descriptor: { imageSha256: 'a'.repeat(64), flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }], healthCheck: { oid: '1.3.6.1.2.1.1.3.0' } },
    });
    assert.deepEqual([pkg?.product, pkg?.healthCheck.intervalSeconds, pkg?.day1.parameters, pkg?.interfaces], ['vsrx', 30, [], []]);
    assert.equal(packageOf({ id: 'x', vendor: 'v', product: 'Bad Name', version: '1', type: 'firewall', createdAt: '', descriptor: {} }), undefined);
  });

  describe('the chain picture', () => {
    it('places LAN, each function and WAN left to right, an arrow between each, none overlapping', () => {
      const layout = chainLayout(2);
      assert.equal(layout.boxes.length, 2);
      assert.equal(layout.arrows.length, 3);
      for (const arrow of layout.arrows) assert.ok(arrow.to - arrow.from === chainGeometry.gap, JSON.stringify(arrow));
      assert.ok(layout.boxes[0]!.x > layout.ends[0]!.x && layout.boxes[1]!.x > layout.boxes[0]!.x && layout.ends[1]!.x > layout.boxes[1]!.x);
      assert.equal(layout.width, layout.ends[1]!.x + chainGeometry.end.width + chainGeometry.margin);
    });

    it('says the chain in words as its text alternative', () => {
      assert.equal(chainInWords([{ title: 'vsrx', subtitle: '1.0 (small)', state: 'Running, healthy' }, { title: 'vrouter', subtitle: '1.0 (small)' }]),
        'LAN side → vsrx 1.0 (small), Running, healthy → vrouter 1.0 (small) → WAN side');
    });
  });

  it("lists a template's versions, newest first, and no other template's", () => {
    const template = (name: string, version: number, tenantId = 't1') => ({ id: `${name}-${version}`, tenantId, name, version }) as NetworkServiceTemplate;
    const all = [template('edge', 1), template('edge', 3), template('other', 2), template('edge', 2), template('edge', 4, 't2')];
    assert.deepEqual(versionsOf(all, { tenantId: 't1', name: 'edge' }).map((t) => t.id), ['edge-3', 'edge-2', 'edge-1']);
  });
});
