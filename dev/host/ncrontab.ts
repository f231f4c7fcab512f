/**
 * The Functions host's timer schedules: six-field NCRONTAB `{second} {minute} {hour} {day} {month}
 * {day-of-week}` (five fields are read with second 0), or a TimeSpan `hh:mm:ss` interval. As in
 * NCrontab, day-of-month and day-of-week must both match. Times are computed on the wall clock of an
 * IANA time zone (the host's WEBSITE_TIME_ZONE), UTC by default.
 */
export interface Schedule {
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
  toString(): string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseField(text: string, min: number, max: number, names?: string[], nameBase = 0): Set<number> {
  const values = new Set<number>();
  const value = (s: string) => {
    const i = names?.indexOf(s.slice(0, 3).toLowerCase()) ?? -1;
    const n = i >= 0 && /^[a-z]/i.test(s) ? i + nameBase : Number(s);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`"${s}" is out of range ${min}-${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step "${part}"`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      [lo, hi] = [value(a!), value(b!)];
    } else {
      lo = value(range!);
      hi = stepText === undefined ? lo : max;
    }
    if (lo > hi) throw new Error(`bad range "${part}"`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(date: Date, timeZone: string): WallClock {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second),
    weekday: DAYS.indexOf(String(parts.weekday).toLowerCase()),
  };
}

export function parseSchedule(expression: string, timeZone = 'UTC'): Schedule {
  const text = expression.trim();
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text);
  if (span) {
    const ms = ((Number(span[1] ?? 0) * 24 + Number(span[2])) * 3600 + Number(span[3]) * 60 + Number(span[4])) * 1000;
    if (ms <= 0) throw new Error(`Invalid TimeSpan schedule "${expression}"`);
    return { next: (after) => new Date(after.getTime() + ms), toString: () => `every ${text}` };
  }
  const fields = text.split(/\s+/);
  if (fields.length === 5) fields.unshift('0');
  if (fields.length !== 6) throw new Error(`Invalid NCRONTAB schedule "${expression}": expected 6 fields (second first)`);
  let sets: Set<number>[];
  try {
    sets = [
      parseField(fields[0]!, 0, 59),
      parseField(fields[1]!, 0, 59),
      parseField(fields[2]!, 0, 23),
      parseField(fields[3]!, 1, 31),
      parseField(fields[4]!, 1, 12, MONTHS, 1),
      parseField(fields[5]!.replace(/\b7\b/g, '0'), 0, 6, DAYS, 0),
    ];
  } catch (e) {
    throw new Error(`Invalid NCRONTAB schedule "${expression}": ${(e as Error).message}`);
  }
  const [seconds, minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  new Intl.DateTimeFormat('en-US', { timeZone }); // throws RangeError for an unknown zone

  return {
    toString: () => `${text} (${timeZone})`,
    next(after: Date) {
      let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
      // Each step skips to the start of the next candidate day, hour, minute or second on the wall clock.
      for (let i = 0; i < 200_000; i++) {
        const w = wallClock(new Date(t), timeZone);
        const secondOfDay = w.hour * 3600 + w.minute * 60 + w.second;
        if (!months.has(w.month) || !days.has(w.day) || !weekdays.has(w.weekday)) {
          t += (86400 - secondOfDay) * 1000;
        } else if (!hours.has(w.hour)) {
          t += (3600 - w.minute * 60 - w.second) * 1000;
        } else if (!minutes.has(w.minute)) {
          t += (60 - w.second) * 1000;
        } else if (!seconds.has(w.second)) {
          t += 1000;
        } else {
          return new Date(t);
        }
      }
      throw new Error(`Schedule "${expression}" has no occurrence in the foreseeable future`);
    },
  };
}

/**
 * The zone the host computes schedules in: WEBSITE_TIME_ZONE (IANA names as on Linux plans; the few
 * Windows names people use here are mapped) or TZ, else UTC.
 */
export function hostTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const windowsNames: Record<string, string> = {
    'Eastern Standard Time': 'America/Toronto',
    'Central Standard Time': 'America/Chicago',
    'Pacific Standard Time': 'America/Vancouver',
    'UTC': 'UTC',
  };
  const raw = env.WEBSITE_TIME_ZONE || env.TZ;
  if (!raw) return 'UTC';
  return windowsNames[raw] ?? raw;
}
