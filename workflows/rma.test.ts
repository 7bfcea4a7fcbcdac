import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { portMapping } from '../domain/device-models.ts';
import { renamePorts } from './rma.ts';

describe('replacement models', () => {
  it('takes the same model as it is, a documented bigger one as it is, and nothing else', () => {
    assert.deepEqual(portMapping('SRX-SIM-300', 'SRX-SIM-300'), {});
    assert.deepEqual(portMapping('SRX-SIM-100', 'SRX-SIM-300'), {});
    assert.equal(portMapping('SRX-SIM-300', 'SRX-SIM-100'), undefined);
    assert.equal(portMapping('SRX-SIM-100', 'SRX-SIM-4600'), undefined);
  });

  it('renames ports in one pass where they are whole names, with or without a unit, and leaves look-alikes alone', () => {
    const config = '<interface><name>ge-0/0/1</name><description>was ge-0/0/1 once</description></interface>'
      + '<interface>ge-0/0/1.0</interface><external-interface>ge-0/0/10.0</external-interface><interface>ge-0/0/0.0</interface>';
    assert.equal(
      renamePorts(config, { 'ge-0/0/1': 'ge-0/0/0', 'ge-0/0/0': 'ge-0/0/1' }),
      '<interface><name>ge-0/0/0</name><description>was ge-0/0/1 once</description></interface>'
        + '<interface>ge-0/0/0.0</interface><external-interface>ge-0/0/10.0</external-interface><interface>ge-0/0/1.0</interface>',
    );
  });
});
