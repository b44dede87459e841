/**
 * Business hours: a weekly schedule in a time zone, with holidays (whole local days closed).
 * Pure functions over instants; local times are read with Intl, so daylight-saving changes and
 * any IANA zone are handled the way the zone's own clocks are.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Open from `open` to `close` (HH:MM, local; `close` may be 24:00) on `day`. */
export interface OpenInterval {
  day: Weekday;
  open: string;
  close: string;
}

export interface WeeklySchedule {
  timeZone: string;
  weekly: OpenInterval[];
  /** Local dates (YYYY-MM-DD) closed all day. */
  holidays: string[];
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** How far back the start of a closed period is looked for; beyond it, the schedule is never open. */
const HORIZON_DAYS = 400;

const formats = new Map<string, Intl.DateTimeFormat>();
function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    format(timeZone);
    return true;
  } catch {
    return false;
  }
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** What is wrong with a schedule (null: nothing). */
export function scheduleProblem(s: WeeklySchedule): string | null {
  if (!isTimeZone(s.timeZone)) return `timeZone ${s.timeZone} is not an IANA time zone`;
  for (const i of s.weekly) {
    if (!WEEKDAYS.includes(i.day)) return `day must be one of ${WEEKDAYS.join(', ')}`;
    if (!HHMM.test(i.open) || !HHMM.test(i.close) || i.open === '24:00') return 'open and close are HH:MM (close may be 24:00)';
    if (minutesOf(i.close) <= minutesOf(i.open)) return `close must be after open (${i.day} ${i.open}-${i.close}); split an interval that crosses midnight`;
  }
  for (const d of s.holidays) if (!DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) return `holiday ${d} is not a YYYY-MM-DD date`;
  return null;
}

interface Local {
  year: number;
  month: number;
  day: number;
  minutes: number;
}

function local(timeZone: string, at: number): Local & { asUtc: number } {
  const p = Object.fromEntries(
    format(timeZone)
      .formatToParts(new Date(at))
      .map((x) => [x.type, x.value]),
  );
  const l = { year: Number(p.year), month: Number(p.month), day: Number(p.day), minutes: Number(p.hour) * 60 + Number(p.minute) };
  return { ...l, asUtc: Date.UTC(l.year, l.month - 1, l.day, Number(p.hour), Number(p.minute), Number(p.second)) };
}

/** The instant the zone's clocks show `minutes` past midnight of that local date (the later one across a gap). */
function instantOf(timeZone: string, year: number, month: number, day: number, minutes: number): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const first = local(timeZone, wall).asUtc - Math.floor(wall / 1000) * 1000;
  let t = wall - first;
  const second = local(timeZone, t).asUtc - Math.floor(t / 1000) * 1000;
  if (second !== first) t = wall - second;
  return t;
}

const dateKey = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const weekdayOf = (y: number, m: number, d: number): Weekday => WEEKDAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7];

export function isOpen(s: WeeklySchedule, at: Date): boolean {
  const l = local(s.timeZone, at.getTime());
  if (s.holidays.includes(dateKey(l.year, l.month, l.day))) return false;
  const day = weekdayOf(l.year, l.month, l.day);
  return s.weekly.some((i) => i.day === day && minutesOf(i.open) <= l.minutes && l.minutes < minutesOf(i.close));
}

/**
 * When the closed period `at` falls in began (the last close before it); null when open at `at`.
 * A schedule that was not open within the horizon has been closed since the epoch.
 */
export function closedSince(s: WeeklySchedule, at: Date): Date | null {
  if (isOpen(s, at)) return null;
  const now = at.getTime();
  const today = local(s.timeZone, now);
  for (let back = 0; back <= HORIZON_DAYS; back++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day - back));
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (s.holidays.includes(dateKey(y, m, d))) continue;
    const day = weekdayOf(y, m, d);
    const closes = s.weekly
      .filter((i) => i.day === day)
      .map((i) => instantOf(s.timeZone, y, m, d, minutesOf(i.close)))
      .filter((t) => t <= now)
      .sort((a, b) => b - a);
    if (closes.length > 0) return new Date(closes[0]);
  }
  return new Date(0);
}

/** The instant a local date (YYYY-MM-DD) begins in `timeZone`. */
export function startOfLocalDay(timeZone: string, date: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(instantOf(timeZone, y, m, d, 0));
}
