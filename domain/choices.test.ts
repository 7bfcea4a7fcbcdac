import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SiteStatus } from '../generated/prisma/enums.ts';
import * as choices from './choices.ts';

describe('choices', () => {
  it('give every value of the schema a label and a colour, in the schema order', () => {
    assert.deepEqual(choices.siteStatus.values, Object.values(SiteStatus));
    for (const [name, set] of Object.entries(choices)) {
      for (const choice of set.list) {
        assert.ok(choice.label.length > 0, `${name}.${choice.value} has a label`);
        assert.match(choice.colour, /^(grey|blue|green|amber|red|purple)$/);
      }
    }
  });

  it('find a choice by its value', () => {
    assert.deepEqual(choices.siteStatus.get('active'), { value: 'active', label: 'Active', colour: 'green' });
  });
});

describe('named status sets', () => {
  it('keep the schema order, whatever order they are named in, with each choice as the choices have it', () => {
    const set = choices.siteStatus.subset(['failed', 'planned']);
    assert.deepEqual(set.values, ['planned', 'failed']);
    assert.deepEqual(set.list, [choices.siteStatus.get('planned'), choices.siteStatus.get('failed')]);
  });

  it('say whether a status read as text is one of theirs, and cannot be changed by whoever reads them', () => {
    assert.equal(choices.onboardableSiteStatuses.has('failed'), true);
    assert.equal(choices.onboardableSiteStatuses.has('active'), false);
    assert.equal(choices.onboardableSiteStatuses.has('Failed'), false);
    assert.throws(() => (choices.onboardableSiteStatuses.values as unknown as string[]).push('active'));
    assert.equal(choices.onboardableSiteStatuses.has('active'), false);
  });

  describe('onboarding', () => {
    it('a run accepts every status a new onboarding starts from: no start the API allows fails its validation', () => {
      for (const status of choices.onboardableSiteStatuses.values) assert.ok(choices.onboardingRunSiteStatuses.has(status), status);
    });

    it('a site left onboarding is taken up by its own run, but not started anew', () => {
      assert.equal(choices.onboardingRunSiteStatuses.has('onboarding'), true);
      assert.equal(choices.onboardableSiteStatuses.has('onboarding'), false);
    });

    it('a site in service or past it is onboarded by no one', () => {
      for (const status of ['active', 'decommissioning', 'decommissioned']) assert.equal(choices.onboardingRunSiteStatuses.has(status), false, status);
    });
  });

  it('a campaign picks no device that waits for its box, new or replacement', () => {
    for (const status of choices.awaitingBoxDeviceStatuses.values) assert.equal(choices.upgradableDeviceStatuses.has(status), false, status);
  });

  it('a device is replaced only once it had a box: never one still planned, nor a retired one', () => {
    for (const status of ['planned', 'provisioning', 'retired']) assert.equal(choices.replaceableDeviceStatuses.has(status), false, status);
  });
});
