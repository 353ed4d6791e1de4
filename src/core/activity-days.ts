// The activity list by day: entries (newest first) in groups of one calendar day each, in a time zone (UTC on the
// server; app.js regroups by the reader's own zone), each group named "today", "yesterday" or by its date.

export interface DayGroup<T> {
  /** The calendar day, YYYY-MM-DD, in the zone used. */
  day: string;
  /** How the heading names it: the date itself, or relative to `now`. */
  name: 'today' | 'yesterday' | 'date';
  /** Midday of that day (UTC) for formatting the heading's date without the zone moving it. */
  noon: number;
  entries: T[];
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** YYYY-MM-DD of a moment in a time zone. */
export function calendarDay(ms: number, timeZone = 'UTC'): string {
  let f = dayFormats.get(timeZone);
  if (!f) {
    // en-CA writes ISO dates (2026-12-08).
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, f);
  }
  return f.format(ms);
}

/** Groups entries in the order given (newest first), one group per calendar day. */
export function groupByDay<T extends { at: number }>(entries: readonly T[], o: { now: number; timeZone?: string }): DayGroup<T>[] {
  const zone = o.timeZone ?? 'UTC';
  const today = calendarDay(o.now, zone);
  const yesterday = calendarDay(Date.parse(`${today}T12:00:00Z`) - 86_400_000, 'UTC');
  const groups: DayGroup<T>[] = [];
  for (const entry of entries) {
    const day = calendarDay(entry.at, zone);
    const last = groups[groups.length - 1];
    if (last && last.day === day) last.entries.push(entry);
    else groups.push({ day, name: day === today ? 'today' : day === yesterday ? 'yesterday' : 'date', noon: Date.parse(`${day}T12:00:00Z`), entries: [entry] });
  }
  return groups;
}
