// Durations are counted per UTC day, named YYYY-MM-DD.
export const DAY_MS = 86_400_000;

export const DAY_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** The UTC day containing `ms`, e.g. '2026-11-25'. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Epoch ms of the start of the UTC day containing `ms`. */
export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** True for a real calendar day (rejects 2026-02-30). */
export function isDay(day: string): boolean {
  return DAY_PATTERN.test(day) && dayOf(Date.parse(`${day}T00:00:00Z`)) === day;
}

/**
 * Splits the online stretch [from, to) into per-day parts. The stretch is
 * shorter than a day (the offline threshold is), so it spans at most two days.
 */
export function splitByDay(from: number, to: number): Array<{ day: string; ms: number }> {
  if (to <= from) return [];
  const boundary = dayStart(to);
  if (from >= boundary) return [{ day: dayOf(to), ms: to - from }];
  return [
    { day: dayOf(from), ms: boundary - from },
    ...(to > boundary ? [{ day: dayOf(to), ms: to - boundary }] : []),
  ];
}
