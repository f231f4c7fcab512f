import { describe, expect, it } from 'vitest';
import { ReminderPolicy } from '../../shared/training/catalogue';
import { BusinessCalendar, inQuietHours, loadHolidays, parseHolidays, stepOn, stepToSend } from '../../shared/training/reminders/schedule';
import { assignment, trainee } from '../fakes/training-reminders';

const calendar = loadHolidays();
const policy = ReminderPolicy.parse({});
const step = (day: string, due: string, t = trainee('p1'), a = assignment('p1', 'CYBER-BASE', due)) => {
  const v = stepOn(day, a, t, policy, calendar);
  return v.due ? v.step : v.reason;
};

describe('business-day calendar (Québec holidays from config)', () => {
  it('weekends and statutory holidays are not business days', () => {
    expect(calendar.isBusinessDay('2026-03-06')).toBe(true); // Friday
    expect(calendar.isBusinessDay('2026-03-07')).toBe(false); // Saturday
    expect(calendar.isBusinessDay('2026-03-08')).toBe(false); // Sunday
    expect(calendar.isBusinessDay('2026-04-03')).toBe(false); // Good Friday
    expect(calendar.isBusinessDay('2026-06-24')).toBe(false); // Fête nationale (Wednesday)
    expect(calendar.isBusinessDay('2026-12-25')).toBe(false);
  });

  it('counts and adds business days across a long weekend', () => {
    // Thu 2026-04-02 -> Tue 2026-04-07: Good Friday, the weekend; Easter Monday is not a statutory holiday in the file.
    expect(calendar.businessDaysBetween('2026-04-02', '2026-04-07')).toBe(2);
    expect(calendar.addBusinessDays('2026-04-02', 1)).toBe('2026-04-06');
    expect(calendar.addBusinessDays('2026-04-06', -1)).toBe('2026-04-02');
    expect(calendar.onOrBefore('2026-04-05')).toBe('2026-04-02');
    expect(calendar.businessDaysBetween('2026-04-07', '2026-04-02')).toBe(-2);
  });

  it('refuses a broken holiday file, naming the line and the problem', () => {
    expect(() => parseHolidays('{"holidays":[{"date":"2026-02-30","name":{"fr-CA":"x","en":"x"}}]}', 'bad.json')).toThrow(/holiday calendar bad\.json.*not a calendar day 2026-02-30/);
    expect(() => parseHolidays('{\n"holidays": [\n{"date":"2026-01-01","name":{"fr-CA":"a","en":"a"}},\n{"date":"2026-01-01","name":{"fr-CA":"b","en":"b"}}]}', 'dup.json')).toThrow(/line 4.*duplicate holiday 2026-01-01/);
    expect(() => parseHolidays('{"holidays":[{"date":"01/01/2026"}]}', 'fmt.json')).toThrow(/expected YYYY-MM-DD/);
    expect(() => parseHolidays('not json', 'x.json')).toThrow(/not JSON/);
  });

  it('says which years it covers', () => {
    expect(calendar.covers('2027-05-01')).toBe(true);
    expect(calendar.covers('2028-05-01')).toBe(false);
  });
});

describe('reminder steps', () => {
  // Due Wednesday 2026-03-18: before-7 on Mon 03-09, before-1 on Tue 03-17, due 03-18,
  // overdue every 3 business days: Mon 03-23, Thu 03-26, Tue 03-31.
  it.each([
    ['2026-03-06', 'no-step-today'],
    ['2026-03-09', 'before-7'],
    ['2026-03-10', 'no-step-today'],
    ['2026-03-17', 'before-1'],
    ['2026-03-18', 'due'],
    ['2026-03-19', 'no-step-today'],
    ['2026-03-21', 'not-business-day'],
    ['2026-03-23', 'overdue-3'],
    ['2026-03-26', 'overdue-6'],
    ['2026-03-31', 'overdue-9'],
  ])('due 2026-03-18, on %s: %s', (day, expected) => {
    expect(step(day, '2026-03-18')).toBe(expected);
  });

  it.each([
    // Due on Good Friday 2026-04-03: the due reminder goes the Thursday before; before-1 on Wednesday.
    ['2026-04-01', '2026-04-03', 'before-1'],
    ['2026-04-02', '2026-04-03', 'due'],
    ['2026-04-03', '2026-04-03', 'not-business-day'],
    // Overdue days skip the long weekend: Mon 04-06, Tue 04-07, Wed 04-08 = 3.
    ['2026-04-08', '2026-04-03', 'overdue-3'],
    // Due on a Saturday: due reminder Friday, before-7 seven business days before that.
    ['2026-03-13', '2026-03-14', 'due'],
    ['2026-03-04', '2026-03-14', 'before-7'],
    // Before-7 counted across the Fête nationale (Wed 06-24): due Fri 07-03 (after Canada Day Wed 07-01).
    ['2026-06-22', '2026-07-03', 'before-7'],
    // Christmas to New Year: due Mon 2026-12-28, overdue-3 lands on Mon 2027-01-04 (01-01 holiday).
    // Christmas to New Year: due Mon 2026-12-28; Tue, Wed, Thu are overdue days 1-3, New Year's Day is not counted.
    ['2026-12-31', '2026-12-28', 'overdue-3'],
    ['2027-01-06', '2026-12-28', 'overdue-6'],
  ])('on %s, due %s: %s', (day, due, expected) => {
    expect(step(day, due)).toBe(expected);
  });

  it('nothing for someone on leave or who left, nor for a paused, completed or closed assignment', () => {
    expect(step('2026-03-18', '2026-03-18', trainee('p1', { status: 'on-leave', leaveSince: '2026-03-01T00:00:00Z' }))).toBe('on-leave');
    expect(step('2026-03-18', '2026-03-18', trainee('p1', { leaveSince: '2026-03-01T00:00:00Z' }))).toBe('on-leave');
    expect(step('2026-03-18', '2026-03-18', trainee('p1', { status: 'left' }))).toBe('left');
    expect(step('2026-03-18', '2026-03-18', trainee('p1'), assignment('p1', 'CYBER-BASE', '2026-03-18', { pausedSince: '2026-03-01T00:00:00Z' }))).toBe('paused');
    expect(step('2026-03-18', '2026-03-18', trainee('p1'), assignment('p1', 'CYBER-BASE', '2026-03-18', { status: 'completed' }))).toBe('not-open');
    expect(step('2026-03-18', '2026-03-18', trainee('p1'), assignment('p1', 'CYBER-BASE', '2026-03-18', { status: 'closed' }))).toBe('not-open');
    // A completion of the current cycle wins even if the status was not yet written.
    expect(step('2026-03-18', '2026-03-18', trainee('p1'), assignment('p1', 'CYBER-BASE', '2026-03-18', { completions: [{ cycle: 1, completedAt: '2026-03-17T12:00:00Z', method: 'quiz' }] }))).toBe('not-open');
  });

  it('escalates to the manager after 5 overdue business days and to the direction after 15', () => {
    const at = (day: string) => stepOn(day, assignment('p1', 'CYBER-BASE', '2026-03-18'), trainee('p1'), policy, calendar);
    expect(at('2026-03-24').escalation).toBe('none'); // 4
    expect(at('2026-03-25').escalation).toBe('manager'); // 5
    expect(at('2026-04-08').escalation).toBe('manager'); // 14 (Good Friday not counted)
    expect(at('2026-04-09').escalation).toBe('direction'); // 15
    expect(at('2026-04-09').overdueBusinessDays).toBe(15);
  });

  it('a step missed yesterday (deferred pass) is caught up today, with its own day', () => {
    const v = stepToSend('2026-03-10', assignment('p1', 'CYBER-BASE', '2026-03-18'), trainee('p1'), policy, calendar);
    expect(v).toMatchObject({ due: true, step: 'before-7', day: '2026-03-09' });
    // Across a weekend: Friday's step (before-7 of a Tuesday due date) is caught up on Monday.
    const monday = stepToSend('2026-03-16', assignment('p1', 'CYBER-BASE', '2026-03-24'), trainee('p1'), policy, calendar);
    expect(monday).toMatchObject({ due: true, step: 'before-7', day: '2026-03-13' });
    // Only one business day back: two days late, the step is gone (the next one follows).
    expect(stepToSend('2026-03-17', assignment('p1', 'CYBER-BASE', '2026-03-24'), trainee('p1'), policy, calendar)).toMatchObject({ due: false });
  });

  it('a custom policy: no due-date reminder, overdue every business day', () => {
    const custom = ReminderPolicy.parse({ onDueDate: false, overdueEveryBusinessDays: 1, beforeDueBusinessDays: [2] });
    const v = (day: string) => {
      const r = stepOn(day, assignment('p1', 'CYBER-BASE', '2026-03-18'), trainee('p1'), custom, calendar);
      return r.due ? r.step : r.reason;
    };
    expect(v('2026-03-16')).toBe('before-2');
    expect(v('2026-03-18')).toBe('no-step-today');
    expect(v('2026-03-19')).toBe('overdue-1');
    expect(v('2026-03-20')).toBe('overdue-2');
  });

  it('an empty holiday list makes every weekday a business day', () => {
    const plain = new BusinessCalendar([]);
    expect(plain.isBusinessDay('2026-12-25')).toBe(true);
  });
});

describe('quiet hours in the policy time zone (America/Toronto), across DST', () => {
  it.each([
    // Winter (EST, UTC-5): 13:00Z is 08:00, the end of quiet hours.
    ['2026-03-06T12:59:00Z', true],
    ['2026-03-06T13:00:00Z', false],
    ['2026-03-06T22:59:00Z', false], // 17:59
    ['2026-03-06T23:00:00Z', true], // 18:00
    // DST starts Sunday 2026-03-08: from Monday, 12:00Z is already 08:00 (EDT, UTC-4).
    ['2026-03-09T12:00:00Z', false],
    ['2026-03-09T11:59:00Z', true],
    ['2026-03-09T22:00:00Z', true], // 18:00 EDT
    // DST ends Sunday 2026-11-01: back to UTC-5.
    ['2026-11-02T12:30:00Z', true], // 07:30 EST
    ['2026-11-02T13:30:00Z', false],
  ])('%s quiet: %s', (at, quiet) => {
    expect(inQuietHours(new Date(at), policy)).toBe(quiet);
  });

  it('daytime quiet hours (no wrap) and an empty window', () => {
    expect(inQuietHours(new Date('2026-03-09T16:30:00Z'), { timeZone: 'America/Toronto', quietHours: { from: '12:00', to: '13:00' } })).toBe(true);
    expect(inQuietHours(new Date('2026-03-09T17:00:00Z'), { timeZone: 'America/Toronto', quietHours: { from: '12:00', to: '13:00' } })).toBe(false);
    expect(inQuietHours(new Date('2026-03-09T03:00:00Z'), { timeZone: 'America/Toronto', quietHours: { from: '00:00', to: '00:00' } })).toBe(false);
  });
});
