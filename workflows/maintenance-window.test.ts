import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { failureTypes } from '../domain/failure-types.ts';
import { instantOf, windowAt } from './maintenance-window.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (instant: number) => new Date(instant).toISOString();

describe('maintenance windows', () => {
  describe('that cannot be read', () => {
    // Thrown in workflow code, anything but a non-retryable ApplicationFailure retries the workflow task for ever.
    const failsFast = (error: unknown) =>
      error instanceof ApplicationFailure && error.nonRetryable && error.type === failureTypes.maintenanceWindowInvalid;

    it('fail fast, typed, when the window never opens', () => {
      assert.throws(() => windowAt({ start: '02:00', durationMinutes: 60, days: [] }, 'Europe/Paris', at('2026-03-28T00:00:00Z')), failsFast);
    });

    it('fail fast, typed, when the start is no time of day or the time zone no time zone', () => {
      assert.throws(() => windowAt({ start: '25:00', durationMinutes: 60 }, 'Europe/Paris', at('2026-03-28T00:00:00Z')), failsFast);
      assert.throws(() => windowAt({ start: '02:00', durationMinutes: 60 }, 'Europe/Atlantis', at('2026-03-28T00:00:00Z')), failsFast);
    });
  });

  describe('a daily window at 02:30 Paris time', () => {
    const window = { start: '02:30', durationMinutes: 60 };
    const opening = (date: string) => iso(windowAt(window, 'Europe/Paris', at(`${date}T00:00:00Z`) - 3_600_000).opensAt);

    it('opens at 01:30 UTC in winter and 00:30 UTC in summer', () => {
      assert.equal(opening('2026-03-28'), '2026-03-28T01:30:00.000Z');
      assert.equal(opening('2026-03-30'), '2026-03-30T00:30:00.000Z');
      assert.equal(opening('2026-10-26'), '2026-10-26T01:30:00.000Z');
    });

    it('on the spring-forward night, when 02:30 does not exist, opens at 03:30 summer time', () => {
      assert.equal(opening('2026-03-29'), '2026-03-29T01:30:00.000Z');
    });

    it('on the autumn night, when 02:30 happens twice, opens the first time', () => {
      assert.equal(opening('2026-10-25'), '2026-10-25T00:30:00.000Z');
    });
  });

  it('keeps 03:00 New York time across the American change (a different weekend)', () => {
    const window = { start: '03:00', durationMinutes: 120 };
    assert.equal(iso(windowAt(window, 'America/New_York', at('2026-03-07T12:00:00Z')).opensAt), '2026-03-08T07:00:00.000Z'); // 03:00 EDT, just after the jump
    assert.equal(iso(windowAt(window, 'America/New_York', at('2026-03-06T12:00:00Z')).opensAt), '2026-03-07T08:00:00.000Z'); // 03:00 EST
  });

  it('says it is open inside the window, until when, and is closed after it', () => {
    const window = { start: '22:00', durationMinutes: 180 };
    const inside = windowAt(window, 'Europe/Paris', at('2026-07-01T21:30:00Z')); // 23:30 in Paris
    assert.deepEqual([inside.open, iso(inside.closesAt)], [true, '2026-07-01T23:00:00.000Z']);
    const afterMidnight = windowAt(window, 'Europe/Paris', at('2026-07-01T22:30:00Z')); // 00:30, still in yesterday's window
    assert.equal(afterMidnight.open, true);
    const later = windowAt(window, 'Europe/Paris', at('2026-07-02T08:00:00Z'));
    assert.deepEqual([later.open, iso(later.opensAt)], [false, '2026-07-02T20:00:00.000Z']);
  });

  it('opens only on the days chosen', () => {
    const weekends = { start: '01:00', durationMinutes: 60, days: [0, 6] };
    // Wednesday 2026-07-01: the next opening is Saturday the 4th, 01:00 in Tokyo (16:00 UTC on the 3rd).
    assert.equal(iso(windowAt(weekends, 'Asia/Tokyo', at('2026-07-01T00:00:00Z')).opensAt), '2026-07-03T16:00:00.000Z');
  });

  it('turns a local time into the instant it happens', () => {
    assert.equal(iso(instantOf({ year: 2026, month: 1, day: 15 }, 9, 0, 'Asia/Kolkata')), '2026-01-15T03:30:00.000Z');
  });
});
