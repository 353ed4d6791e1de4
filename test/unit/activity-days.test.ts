// The activity list's day groups: one per calendar day in the zone used, named today / yesterday / by date.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calendarDay, groupByDay } from '../../src/core/activity-days.js';

const at = (iso: string): { at: number; id: string } => ({ at: Date.parse(iso), id: iso });

describe('activity grouped by day', () => {
  const now = Date.parse('2026-12-08T09:00:00Z');
  it('newest first, one group per day, named relative to now', () => {
    const entries = [
      at('2026-12-08T08:00:00Z'),
      at('2026-12-08T00:10:00Z'),
      at('2026-12-07T23:59:00Z'),
      at('2026-12-01T10:00:00Z'),
      at('2026-12-01T09:00:00Z'),
    ];
    const groups = groupByDay(entries, { now });
    assert.deepEqual(
      groups.map((g) => [g.day, g.name, g.entries.length]),
      [
        ['2026-12-08', 'today', 2],
        ['2026-12-07', 'yesterday', 1],
        ['2026-12-01', 'date', 2],
      ],
    );
    assert.equal(groups[2]!.noon, Date.parse('2026-12-01T12:00:00Z'));
  });

  it('in another time zone the day changes where that zone’s midnight is', () => {
    const entries = [at('2026-12-08T04:00:00Z'), at('2026-12-07T23:00:00Z')];
    assert.equal(calendarDay(Date.parse('2026-12-08T04:00:00Z'), 'America/New_York'), '2026-12-07');
    const groups = groupByDay(entries, { now, timeZone: 'America/New_York' });
    assert.deepEqual(
      groups.map((g) => [g.day, g.name, g.entries.length]),
      [['2026-12-07', 'yesterday', 2]],
    );
  });

  it('no entries, no groups', () => {
    assert.deepEqual(groupByDay([], { now }), []);
  });
});
