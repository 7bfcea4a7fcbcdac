import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownedFields } from '../wizard-steps.ts';
import { draftPathOf, givenParameters, networkServiceSteps, serviceRequestOf } from './steps.ts';

describe('add a network service › steps', () => {
  it('gives each step fields of its own, so an error lands on the step that asks for it', () => {
    assert.deepEqual(ownedFields(Object.values(networkServiceSteps)), [['tenantId', 'templateId'], ['siteId', 'deviceId'], ['flavours'], ['parameters']]);
  });

  it('builds the request: one function per flavour, parameters left empty not sent (the package default applies)', () => {
    const request = serviceRequestOf({
      templateId: '0190a5c4-0000-7000-8000-000000000001', deviceId: '0190a5c4-0000-7000-8000-000000000002', flavours: ['small', 'large'],
      parameters: [{ hostName: 'fw-edge', mtu: null as unknown as number, blank: ' ' }, { enabled: false, count: 3 }],
    });
    assert.deepEqual(request.functions, [{ flavour: 'small', parameters: { hostName: 'fw-edge' } }, { flavour: 'large', parameters: { enabled: false, count: 3 } }]);
    assert.deepEqual(givenParameters(undefined), {});
  });

  it("puts the API's field errors where the draft keeps them", () => {
    assert.equal(draftPathOf('functions.1.parameters.hostName'), 'parameters.1.hostName');
    assert.equal(draftPathOf('functions.0.flavour'), 'flavours.0');
    assert.equal(draftPathOf('functions'), 'flavours');
    assert.equal(draftPathOf('deviceId'), 'deviceId');
  });
});
