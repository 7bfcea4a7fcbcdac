import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { siteDetailsStep, siteDevicesStep, siteWanLinksStep } from '../../../api/schemas/site.ts';
import { errorsOf, errorsWithin, ownedFields, stepOfPath } from './wizard-steps.ts';

const steps = [
  { id: 'details', title: 'Details', schema: siteDetailsStep },
  { id: 'devices', title: 'Devices', schema: siteDevicesStep },
  { id: 'wan', title: 'WAN links', schema: siteWanLinksStep },
];

describe('wizard steps', () => {
  it('each step owns the fields its schema adds to the step before', () => {
    const owned = ownedFields(steps);
    assert.ok(owned[0]!.includes('name') && owned[0]!.includes('tenantId'));
    assert.deepEqual(owned[1], ['devices']);
    assert.deepEqual(owned[2], ['wanLinks']);
  });

  describe('an API field error', () => {
    it('belongs to the step that owns its first path segment', () => {
      const owned = ownedFields(steps);
      assert.equal(stepOfPath(owned, 'devices.0.serial'), 1);
      assert.equal(stepOfPath(owned, 'name'), 0);
    });

    it('belongs to the last step when no step owns it', () => {
      assert.equal(stepOfPath(ownedFields(steps), 'filter'), 2);
    });
  });

  it("keys the schema's own messages by the API's dotted paths, first message per path", () => {
    const result = siteDevicesStep.safeParse({ tenantId: 'x', name: '', timezone: 'Europe/Paris', devices: [{ role: 'primary', model: 'SRX-SIM-300', serial: 'bad serial' }] });
    assert.equal(result.success, false);
    const errors = errorsOf(result.error!.issues);
    assert.equal(errors['name'], 'is required');
    assert.equal(errors['devices.0.serial'], 'is 4 to 40 capital letters, digits or hyphens');
    assert.deepEqual(Object.keys(errorsWithin(errors, ['devices'])), ['devices.0.serial']);
  });
});
