import { describe, expect, it } from 'vitest';
import { hostTimeZone, parseSchedule } from '../../dev/host/ncrontab';

describe('NCRONTAB schedules', () => {
  it('reads six fields with seconds first', () => {
    const s = parseSchedule('*/15 * * * * *');
    expect(s.next(new Date('2026-11-28T10:00:07.500Z')).toISOString()).toBe('2026-11-28T10:00:15.000Z');
    expect(s.next(new Date('2026-11-28T10:00:45Z')).toISOString()).toBe('2026-11-28T10:01:00.000Z');
  });

  it('handles ranges, lists, names and day-of-week', () => {
    // 09:30:00 on weekdays; 2026-11-28 is a Saturday.
    const s = parseSchedule('0 30 9 * * Mon-Fri');
    expect(s.next(new Date('2026-11-28T00:00:00Z')).toISOString()).toBe('2026-11-30T09:30:00.000Z');
    expect(parseSchedule('0 0 0 1 Jan,Jul *').next(new Date('2026-11-28T00:00:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('requires both day-of-month and day-of-week to match, as NCrontab does', () => {
    // The 13th that is a Friday: 2027-08-13.
    expect(parseSchedule('0 0 12 13 * 5').next(new Date('2026-11-28T00:00:00Z')).toISOString()).toBe('2027-08-13T12:00:00.000Z');
  });

  it('computes occurrences on the wall clock of the configured time zone, across daylight saving time', () => {
    const s = parseSchedule('0 30 9 * * *', 'America/Toronto');
    expect(s.next(new Date('2026-11-28T00:00:00Z')).toISOString()).toBe('2026-11-28T14:30:00.000Z'); // EST
    expect(s.next(new Date('2026-07-01T00:00:00Z')).toISOString()).toBe('2026-07-01T13:30:00.000Z'); // EDT
  });

  it('accepts TimeSpan intervals and five-field expressions', () => {
    expect(parseSchedule('00:00:30').next(new Date('2026-11-28T10:00:00Z')).toISOString()).toBe('2026-11-28T10:00:30.000Z');
    expect(parseSchedule('*/5 * * * *').next(new Date('2026-11-28T10:01:00Z')).toISOString()).toBe('2026-11-28T10:05:00.000Z');
  });

  it('rejects malformed schedules and unknown time zones', () => {
    expect(() => parseSchedule('* * *')).toThrow(/expected 6 fields/);
    expect(() => parseSchedule('61 * * * * *')).toThrow(/out of range/);
    expect(() => parseSchedule('0 0 * * * *', 'Mars/Olympus')).toThrow(RangeError);
  });

  it('takes the time zone from WEBSITE_TIME_ZONE, then TZ, else UTC', () => {
    expect(hostTimeZone({ WEBSITE_TIME_ZONE: 'Eastern Standard Time' })).toBe('America/Toronto');
    expect(hostTimeZone({ TZ: 'America/Montreal' })).toBe('America/Montreal');
    expect(hostTimeZone({})).toBe('UTC');
  });
});
