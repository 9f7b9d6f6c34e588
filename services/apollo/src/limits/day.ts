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

/** Throws unless `timeZone` is an IANA zone this runtime knows (for config). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone });
    return true;
  } catch {
    return false;
  }
}
