import type { MessageEntry } from '../model';

/**
 * Word-aware, accent- and case-insensitive search over the index (docs/decisions/0015): each entry
 * carries the words of its subject and of its participants' names, normalised (NFD, combining marks
 * removed, lower case) and split on anything that is not a letter or a digit. A search word then
 * matches a whole word exactly: "reunion" finds "Réunion" (typed composed or decomposed), and
 * "formation" does not find "information". The words are stored with the entry when it is written
 * (the index adapter) and added to older entries by the daily pass (backfill), so a query is an
 * indexed ARRAY_CONTAINS, not a scan of every subject. A full-text engine is a later step.
 */
export const SEARCH_TERMS_VERSION = 1;

/** Bounds on what one entry stores: a message to thousands of people must not make a huge document. */
const MAX_SUBJECT_TERMS = 100;
const MAX_PARTICIPANT_TERMS = 300;
/** Words a query may hold (each is one condition). */
export const MAX_QUERY_TERMS = 10;

export interface SearchTerms {
  version: number;
  subject: string[];
  participants: string[];
}

/** The distinct normalised words of a text, in order of first appearance. */
export function words(text: string): string[] {
  const normalised = text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
  return [...new Set(normalised.split(/[^\p{L}\p{N}]+/u).filter(Boolean))];
}

export function searchTermsOf(entry: Pick<MessageEntry, 'subject' | 'from' | 'to' | 'cc' | 'bcc'>): SearchTerms {
  const names = [entry.from, ...entry.to, ...entry.cc, ...entry.bcc].map((a) => a?.name ?? '').join(' ');
  return { version: SEARCH_TERMS_VERSION, subject: words(entry.subject).slice(0, MAX_SUBJECT_TERMS), participants: words(names).slice(0, MAX_PARTICIPANT_TERMS) };
}

/** A participant filter is an address when it has an @; otherwise it is words of a name. */
export function isAddressQuery(participant: string): boolean {
  return participant.includes('@');
}

/** The words of a query, at most MAX_QUERY_TERMS. */
export function queryWords(text: string): string[] {
  return words(text).slice(0, MAX_QUERY_TERMS);
}
