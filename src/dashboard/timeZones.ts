// The viewer's time zone: UTC offsets of IANA zones or fixed offsets, and local day/hour buckets of a UTC
// range. Timestamps are stored in UTC; only the bucketing is local.

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export type Granularity = 'day' | 'hour';

/** A time zone as the queries use it: the offset (local minus UTC, in ms) at any instant. */
export interface ViewerZone {
  name: string;
  offsetAt(utcMs: number): number;
}

const zones = new Map<string, ViewerZone>();

/** Accepts an IANA name ('Europe/Berlin'), 'UTC'/'Z', or a fixed offset ('+05:30', '-0800', '+02').
 * Throws RangeError for anything else. */
export function viewerZone(name: string): ViewerZone {
  const cached = zones.get(name);
  if (cached !== undefined) return cached;
  let zone: ViewerZone;
  const fixed = /^([+-])(\d{2}):?(\d{2})?$/.exec(name);
  if (name === 'UTC' || name === 'Z') {
    zone = { name, offsetAt: () => 0 };
  } else if (fixed !== null) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3] ?? '0');
    if (minutes > 14 * 60) throw new RangeError(`Time zone offset out of range: ${name}`);
    const offset = (fixed[1] === '-' ? -1 : 1) * minutes * MINUTE_MS;
    zone = { name, offsetAt: () => offset };
  } else {
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(
        `Unknown time zone: ${name} (use an IANA name such as Europe/Berlin, or an offset such as +05:30)`,
      );
    }
    zone = {
      name,
      offsetAt(utcMs: number): number {
        const parts: Record<string, number> = {};
        for (const part of format.formatToParts(new Date(utcMs))) {
          if (part.type !== 'literal') parts[part.type] = Number(part.value);
        }
        const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
        return wall - Math.floor(utcMs / 1000) * 1000;
      },
    };
  }
  zones.set(name, zone);
  return zone;
}

/** The UTC instant at which the local wall-clock time `wallMs` (wall time expressed as if it were UTC)
 * occurs; in a DST gap, the first instant after it. */
export function wallToUtc(zone: ViewerZone, wallMs: number): number {
  const guess = wallMs - zone.offsetAt(wallMs);
  const utc = wallMs - zone.offsetAt(guess);
  return zone.offsetAt(utc) === wallMs - utc ? utc : guess;
}

/** Start (UTC ms) of the local day `YYYY-MM-DD` in the zone. */
export function localDayStart(zone: ViewerZone, date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) throw new RangeError(`Not a date (YYYY-MM-DD): ${date}`);
  return wallToUtc(zone, Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** The local date (YYYY-MM-DD) or local hour (YYYY-MM-DDTHH:00) containing an instant. */
export function localLabel(zone: ViewerZone, utcMs: number, granularity: Granularity): string {
  const iso = new Date(utcMs + zone.offsetAt(utcMs)).toISOString();
  return granularity === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00`;
}

/** Next local day or hour boundary strictly after `utcMs`. */
export function nextBoundary(zone: ViewerZone, utcMs: number, granularity: Granularity): number {
  const unit = granularity === 'day' ? DAY_MS : HOUR_MS;
  const wall = utcMs + zone.offsetAt(utcMs);
  let next = wallToUtc(zone, Math.floor(wall / unit) * unit + unit);
  // A DST change inside the step can map the boundary back onto this instant; step one more unit.
  if (next <= utcMs) next = wallToUtc(zone, Math.floor(wall / unit) * unit + 2 * unit);
  return next;
}

export interface LocalBucket {
  /** Local date or hour, e.g. '2025-03-30' or '2025-03-30T02:00'. */
  label: string;
  start: number;
  end: number;
}

/** Splits [from, to) at local day or hour boundaries. */
export function localBuckets(
  zone: ViewerZone,
  from: number,
  to: number,
  granularity: Granularity,
): LocalBucket[] {
  const buckets: LocalBucket[] = [];
  let start = from;
  while (start < to) {
    const end = Math.min(nextBoundary(zone, start, granularity), to);
    buckets.push({ label: localLabel(zone, start, granularity), start, end });
    start = end;
  }
  return buckets;
}
