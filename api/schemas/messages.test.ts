import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { operatorMessage, tenantChoice } from './messages.ts';

const messageOf = (schema: z.ZodType, input: unknown) => {
  const parsed = schema.safeParse(input, { error: operatorMessage });
  assert.equal(parsed.success, false);
  return parsed.error!.issues[0]!.message;
};

test('says what a field wants, not what type it failed', () => {
  assert.equal(messageOf(z.object({ name: z.string().min(1) }), { name: '' }), 'is required');
  assert.equal(messageOf(z.object({ name: z.string() }), {}), 'is required');
  assert.equal(messageOf(z.string().min(3), 'ab'), 'is at least 3 characters');
  assert.equal(messageOf(z.string().max(60), 'x'.repeat(61)), 'is at most 60 characters');
  assert.equal(messageOf(z.number().int().min(1).max(4094), 0), 'must be at least 1');
  assert.equal(messageOf(z.number().int().min(1).max(4094), 5000), 'must be at most 4094');
  assert.equal(messageOf(z.number().int(), 1.5), 'must be a whole number');
  assert.equal(messageOf(z.array(z.string()).min(1), []), 'needs at least one entry');
  assert.equal(messageOf(z.array(z.string()).max(2), ['a', 'b', 'c']), 'takes at most 2 entries');
  assert.equal(messageOf(z.email(), 'someone'), 'is not an email address');
  assert.equal(messageOf(z.enum(['mpls', 'broadband']), 'dsl'), 'must be one of mpls, broadband');
  assert.equal(messageOf(z.strictObject({ a: z.string() }), { a: 'x', b: 1 }), 'has fields this request does not take: b');
});

test('a message a schema gives stays its own', () => {
  assert.equal(messageOf(z.string().regex(/^\d+$/, 'is digits only'), 'x'), 'is digits only');
  assert.equal(messageOf(tenantChoice, ''), 'is required: choose a tenant');
  assert.equal(messageOf(tenantChoice, 'acme'), 'is not a tenant id');
});
