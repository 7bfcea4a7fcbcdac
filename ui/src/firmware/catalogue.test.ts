import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { byModelThenNewest, sizeInWords } from './catalogue.ts';
import { imageSha256 } from './image-sha256.ts';

describe('firmware catalogue', () => {
  it('lists images by model, the newest version first, numbering releases as people do', () => {
    const images = [
      { model: 'SRX-SIM-300', version: '24.9R1' },
      { model: 'SRX-SIM-100', version: '23.2R1' },
      { model: 'SRX-SIM-300', version: '24.10R1' },
      { model: 'SRX-SIM-300', version: '23.4R1' },
    ];
    assert.deepEqual(images.sort(byModelThenNewest).map((i) => `${i.model} ${i.version}`), [
      'SRX-SIM-100 23.2R1', 'SRX-SIM-300 24.10R1', 'SRX-SIM-300 24.9R1', 'SRX-SIM-300 23.4R1',
    ]);
  });

  it('says sizes in words', () => {
    assert.deepEqual([512, 64 * 1024, 1536 * 1024 ** 2].map(sizeInWords), ['512 bytes', '64 KiB', '1.5 GiB']);
  });

  it("computes an image's sha256 in the browser as the API does", async () => {
    const bytes = Buffer.concat([Buffer.from('BRANCHLINE-SIM-IMAGE model=SRX-SIM-300 version=24.2R1\n'), Buffer.alloc(100_000, 7)]);
    assert.equal(await imageSha256(new Blob([bytes])), createHash('sha256').update(bytes).digest('hex'));
  });
});
