import type { I18n } from '../../i18n/i18n';
import type { Names } from './types';

/**
 * A calendar day from the directory (a date, or a date-time at midnight UTC as Entra ID keeps hire
 * dates): shown as that day, never shifted to the day before by the browser's time zone.
 */
export function calendarDay(i18n: I18n, iso: string | null): string {
  if (!iso) return i18n.t('dash');
  const day = /^\d{4}-\d{2}-\d{2}/.exec(iso)?.[0];
  return i18n.date(day ?? iso);
}

/** A catalogue entry's name in the language in use. */
export const named = (i18n: I18n, names: Names) => names[i18n.language];

/** A service or job category: its name, or what the directory says when the catalogue does not map it. */
export function entryText(i18n: I18n, entry: { names: Names } | null, unmapped: string | null): string {
  if (entry) return named(i18n, entry.names);
  if (unmapped !== null) return i18n.t('notMappedValue', { value: unmapped });
  return i18n.t('dash');
}
