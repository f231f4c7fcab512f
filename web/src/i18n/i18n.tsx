import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { frCA, type Catalog, type MessageKey } from './fr-CA';
import { en } from './en';

export type Language = 'fr-CA' | 'en';
export type { MessageKey };

const CATALOGS: Record<Language, Catalog> = { 'fr-CA': frCA, en };
const LANGUAGE_KEY = 'spgq.language';

/** fr-CA for everyone until the person chooses otherwise (the union works in French), then their choice. */
export function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(LANGUAGE_KEY);
    if (stored === 'en' || stored === 'fr-CA') return stored;
  } catch {
    // storage blocked (some embedded browsers): French
  }
  return 'fr-CA';
}

export interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** A value the server sends as a code (status, kind, action...): its label, or "unknown (code)". */
  label(prefix: string, value: string): string;
  number(n: number): string;
  date(iso: string | null | undefined): string;
  dateTime(iso: string | null | undefined): string;
  size(bytes: number): string;
  list(items: string[]): string;
}

const Context = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      localStorage.setItem(LANGUAGE_KEY, next);
    } catch {
      // not remembered, still switched
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo<I18n>(() => {
    const catalog = CATALOGS[language];
    const numbers = new Intl.NumberFormat(language);
    const oneDecimal = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
    const dates = new Intl.DateTimeFormat(language, { dateStyle: 'long' });
    // Dates without time (yyyy-mm-dd) are calendar days: shown as such, never shifted by a time zone.
    const days = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' });
    const dateTimes = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
    const lists = new Intl.ListFormat(language, { style: 'long', type: 'conjunction' });
    const t = (key: MessageKey, params: Record<string, string | number> = {}) =>
      catalog[key].replace(/\{(\w+)\}/g, (_, name: string) => {
        const v = params[name];
        return v === undefined ? '' : typeof v === 'number' ? numbers.format(v) : v;
      });
    const parse = (iso: string) => {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? null : d;
    };
    return {
      language,
      setLanguage,
      t,
      label(prefix, value) {
        const key = `${prefix}${value.replace(/-/g, prefix.startsWith('action_') ? '-' : '_')}` as MessageKey;
        return key in catalog ? catalog[key] : t('unknownValue', { value });
      },
      number: (n) => numbers.format(n),
      date(iso) {
        if (!iso) return t('dash');
        const d = parse(iso);
        if (!d) return iso;
        return /^\d{4}-\d{2}-\d{2}$/.test(iso) ? days.format(d) : dates.format(d);
      },
      dateTime(iso) {
        if (!iso) return t('dash');
        const d = parse(iso);
        return d ? dateTimes.format(d) : iso;
      },
      size(bytes) {
        if (bytes >= 1024 * 1024) return t('mb', { size: oneDecimal.format(bytes / (1024 * 1024)) });
        return t('kb', { size: numbers.format(Math.max(1, Math.ceil(bytes / 1024))) });
      },
      list: (items) => lists.format(items),
    };
  }, [language, setLanguage]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(Context);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
