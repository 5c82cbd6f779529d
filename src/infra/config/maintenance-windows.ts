/**
 * The backup window (daily, `hh24:mi-hh24:mi` UTC) and the maintenance window (weekly,
 * `ddd:hh24:mi-ddd:hh24:mi` UTC). RDS requires each to last at least 30 minutes and the two
 * never to overlap; checking here turns a failed deployment into a synth error.
 */
export const BACKUP_WINDOW_ALLOWED =
  'a daily UTC window "hh24:mi-hh24:mi" of at least 30 minutes, for example "03:00-03:30"';
export const MAINTENANCE_WINDOW_ALLOWED =
  'a weekly UTC window "ddd:hh24:mi-ddd:hh24:mi" of at least 30 minutes, for example "sun:04:00-sun:04:30"';

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const MIN_WINDOW_MINUTES = 30;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A window as minutes from its cycle's start; `end` may pass the cycle length when it wraps. */
interface Window {
  readonly start: number;
  readonly end: number;
}

export function parseBackupWindow(value: string): Window | undefined {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(value);
  if (match === null) return undefined;
  const [start, end] = [clock(match[1], match[2]), clock(match[3], match[4])];
  if (start === undefined || end === undefined) return undefined;
  return lastsLongEnough(start, end, MINUTES_PER_DAY);
}

export function parseMaintenanceWindow(value: string): Window | undefined {
  const match = /^([a-z]{3}):(\d{2}):(\d{2})-([a-z]{3}):(\d{2}):(\d{2})$/i.exec(value);
  if (match === null) return undefined;
  const start = weekMinute(match[1], match[2], match[3]);
  const end = weekMinute(match[4], match[5], match[6]);
  if (start === undefined || end === undefined) return undefined;
  return lastsLongEnough(start, end, MINUTES_PER_WEEK);
}

/** Whether the daily backup window falls, on any day, inside the weekly maintenance window. */
export function windowsOverlap(backup: Window, maintenance: Window): boolean {
  for (let day = 0; day < 7; day += 1) {
    const daily = {
      start: backup.start + day * MINUTES_PER_DAY,
      end: backup.end + day * MINUTES_PER_DAY,
    };
    for (const shift of [-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK]) {
      if (daily.start < maintenance.end + shift && maintenance.start + shift < daily.end)
        return true;
    }
  }
  return false;
}

function lastsLongEnough(start: number, end: number, cycle: number): Window | undefined {
  const wrappedEnd = end <= start ? end + cycle : end;
  return wrappedEnd - start >= MIN_WINDOW_MINUTES ? { start, end: wrappedEnd } : undefined;
}

function clock(hours: string | undefined, minutes: string | undefined): number | undefined {
  const [h, m] = [Number(hours), Number(minutes)];
  return h < 24 && m < 60 ? h * 60 + m : undefined;
}

function weekMinute(
  day: string | undefined,
  hours: string | undefined,
  minutes: string | undefined,
): number | undefined {
  const dayIndex = DAYS.indexOf((day ?? '').toLowerCase() as (typeof DAYS)[number]);
  const time = clock(hours, minutes);
  return dayIndex === -1 || time === undefined ? undefined : dayIndex * MINUTES_PER_DAY + time;
}
