import { useSay } from '../../components/States';
import { useI18n, type I18n, type MessageKey } from '../../i18n/i18n';
import type { Texts } from './types';

/** A catalogue text (title, question, explanation) in the language in use. */
export const text = (i18n: I18n, texts: Texts) => texts[i18n.language];

/** A share (0-1, as the API sends scores and pass marks) as a percentage in the language's own way ("80 %" in French). */
export function percent(i18n: I18n, share: number): string {
  return new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/** Completion rate of a group: completed over assigned, or a dash when nothing is assigned. */
export function rate(i18n: I18n, completed: number, assigned: number): string {
  return assigned > 0 ? percent(i18n, completed / assigned) : i18n.t('dash');
}

/** Today as a calendar day in the union's time zone (dates in the future are refused by the API). */
export function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** Paragraphs of a reading: the catalogue separates them with a blank line. */
export const paragraphs = (body: string) => body.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);

/**
 * A notice about a module, kept as what it means and put into words when shown (see Said): the
 * module's title, the date and the score follow a language switch like the rest of the page.
 */
export interface Told {
  key: MessageKey;
  params?: Record<string, string | number>;
  /** Becomes {title}. */
  title?: Texts;
  /** An instant, becomes {date}. */
  at?: string;
  /** A share (0-1), becomes {score}. */
  share?: number;
  error?: unknown;
}

export function useTell(): (told: Told) => string {
  const say = useSay();
  const i18n = useI18n();
  return (x) =>
    say({
      key: x.key,
      params: { ...x.params, ...(x.title ? { title: text(i18n, x.title) } : {}), ...(x.at ? { date: i18n.dateTime(x.at) } : {}), ...(x.share !== undefined ? { score: percent(i18n, x.share) } : {}) },
      ...(x.error !== undefined ? { error: x.error } : {}),
    });
}
