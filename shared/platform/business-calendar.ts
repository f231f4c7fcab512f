import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseConfigFile } from './config-file';
import { packageRoot } from './package-root';

/**
 * The Québec business calendar (config/quebec-holidays.json): Monday to Friday, statutory holidays
 * excluded. Training counts its reminders in it; collaboration counts a request's deadlines in it.
 * Pure once loaded: days are YYYY-MM-DD strings, counted at noon UTC so no time zone shifts a day.
 */

const Day = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected YYYY-MM-DD');

export const HolidayFile = z
  .object({
    $comment: z.string().optional(),
    holidays: z.array(z.object({ date: Day, name: z.object({ 'fr-CA': z.string().min(1), en: z.string().min(1) }) })).min(1),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.holidays.forEach((h, i) => {
      if (seen.has(h.date)) ctx.addIssue({ code: 'custom', message: `duplicate holiday ${h.date}`, path: ['holidays', i, 'date'] });
      seen.add(h.date);
      if (Number.isNaN(Date.parse(`${h.date}T12:00:00Z`)) || new Date(`${h.date}T12:00:00Z`).toISOString().slice(0, 10) !== h.date) {
        ctx.addIssue({ code: 'custom', message: `not a calendar day ${h.date}`, path: ['holidays', i, 'date'] });
      }
    });
  });
export type HolidayFile = z.infer<typeof HolidayFile>;

/** The calendar day `days` after (or before, when negative) `day`. */
export function addCalendarDays(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export class BusinessCalendar {
  private readonly holidays: Set<string>;
  /** Years the holiday file lists: a day outside them is still counted, but callers may say so. */
  readonly years: Set<number>;

  constructor(holidays: Iterable<string>) {
    this.holidays = new Set(holidays);
    this.years = new Set([...this.holidays].map((d) => Number(d.slice(0, 4))));
  }

  isHoliday(day: string): boolean {
    return this.holidays.has(day);
  }

  isBusinessDay(day: string): boolean {
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6 && !this.holidays.has(day);
  }

  /** Whether the holiday file covers this day's year (a missing year would count holidays as work days). */
  covers(day: string): boolean {
    return this.years.has(Number(day.slice(0, 4)));
  }

  /** Business days d with from < d <= to (negative when to is before from). */
  businessDaysBetween(from: string, to: string): number {
    if (to < from) return -this.businessDaysBetween(to, from);
    let count = 0;
    // A few hundred iterations at most (due dates are within a year or two): simple beats clever.
    for (let d = addCalendarDays(from, 1); d <= to; d = addCalendarDays(d, 1)) if (this.isBusinessDay(d)) count++;
    return count;
  }

  /** The business day `n` business days after (n > 0) or before (n < 0) `day`; n = 0 is `day` itself. */
  addBusinessDays(day: string, n: number): string {
    let d = day;
    const step = n >= 0 ? 1 : -1;
    for (let left = Math.abs(n); left > 0; ) {
      d = addCalendarDays(d, step);
      if (this.isBusinessDay(d)) left--;
    }
    return d;
  }

  /** `day` itself when it is a business day, else the last business day before it. */
  onOrBefore(day: string): string {
    let d = day;
    while (!this.isBusinessDay(d)) d = addCalendarDays(d, -1);
    return d;
  }
}

export function parseHolidays(text: string, name: string): BusinessCalendar {
  const file = parseConfigFile(HolidayFile, text, `holiday calendar ${name}`);
  return new BusinessCalendar(file.holidays.map((h) => h.date));
}

export function loadHolidays(file = 'config/quebec-holidays.json'): BusinessCalendar {
  const full = path.isAbsolute(file) ? file : path.join(packageRoot(), file);
  return parseHolidays(readFileSync(full, 'utf8'), file);
}
