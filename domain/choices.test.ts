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
