// Calendar days in the configured time zone, for daily quotas.

export interface Day {
  /** YYYY-MM-DD in the zone. */
  date: string;
  /** Ms until the day ends in the zone (a DST day is taken as 24 h). */
  msLeft: number;
}

// Building a formatter is far dearer than using one: one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export function dayIn(timeZone: string, nowMs: number = Date.now()): Day {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(nowMs).map((p) => [p.type, p.value]));
  const elapsed = (Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second)) * 1000 + (nowMs % 1000);
  return { date: `${parts.year}-${parts.month}-${parts.day}`, msLeft: 86_400_000 - elapsed };
}

// The day of a zone, reused for up to a second: formatting a date is the
// dearest step of a quota check, and every request with a quota asks.
const REUSE_MS = 1_000;
const recent = new Map<string, { date: string; endsAt: number; until: number }>();

/** dayIn(timeZone) for now, from a result at most a second old (msLeft still exact). */
export function today(timeZone: string, nowMs: number = Date.now()): Day {
  let kept = recent.get(timeZone);
  if (!kept || nowMs >= kept.until || nowMs < kept.until - REUSE_MS) {
    const day = dayIn(timeZone, nowMs);
    const endsAt = nowMs + day.msLeft;
    kept = { date: day.date, endsAt, until: Math.min(nowMs + REUSE_MS, endsAt) };
    recent.set(timeZone, kept);
  }
  return { date: kept.date, msLeft: kept.endsAt - nowMs };
}

/** Throws unless `timeZone` is an IANA zone this runtime knows (for config). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone });
    return true;
  } catch {
    return false;
  }
}
