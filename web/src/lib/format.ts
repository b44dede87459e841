/** Dates, durations and numbers in the user's language and this browser's time zone. */
export function formatDateTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatTime(iso: string | null | undefined, lang: string, now = new Date()): string {
  if (!iso) return '';
  const d = new Date(iso);
  const sameDay = d.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(lang, sameDay ? { timeStyle: 'short' } : { day: 'numeric', month: 'short' }).format(d);
}

/** "5 min", "3 h", "2 days": how long something has lasted, in the user's language. */
export function formatDuration(ms: number, lang: string): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const [value, unit]: [number, Intl.RelativeTimeFormatUnit] =
    minutes < 60 ? [minutes, 'minute'] : minutes < 48 * 60 ? [Math.floor(minutes / 60), 'hour'] : [Math.floor(minutes / 1440), 'day'];
  return new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'short' }).format(value);
}

/** Like formatDuration, with seconds below a minute (response times): "40 s", "5 min". */
export function formatSeconds(seconds: number, lang: string): string {
  if (seconds >= 59.5) return formatDuration(seconds * 1000, lang);
  return new Intl.NumberFormat(lang, { style: 'unit', unit: 'second', unitDisplay: 'short' }).format(Math.max(0, Math.round(seconds)));
}

export function formatNumber(n: number, lang: string): string {
  return new Intl.NumberFormat(lang).format(n);
}
