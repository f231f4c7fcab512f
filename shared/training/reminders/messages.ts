import type { Language } from '../../people/events';
import type { ReminderNotification } from '../ports';
import type { ReminderStep } from './schedule';

/**
 * Texts of reminders and digests, fr-CA first, English for those who prefer it. Pure: the pass
 * renders, the notifier only delivers. Names appear only in a digest, to the manager or direction
 * who is told about their own people; no text ever reaches a log.
 */

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function formatDay(day: string, language: Language): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
}

/** Teams shows about 150 characters of preview; longer is cut by Teams mid-word, so cut here. */
function clip(text: string, max = 150): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

const COPY = {
  'fr-CA': {
    reminderSubject: (title: string) => `Rappel de formation : ${title}`,
    before: (title: string, due: string, n: number) => `La formation « ${title} » est à terminer d’ici le ${due} (${n} jour${n > 1 ? 's' : ''} ouvrable${n > 1 ? 's' : ''}).`,
    due: (title: string, due: string) => `La formation « ${title} » est à terminer aujourd’hui, le ${due}.`,
    overdue: (title: string, due: string, n: number) => `La formation « ${title} » était à terminer le ${due} (retard de ${n} jour${n > 1 ? 's' : ''} ouvrable${n > 1 ? 's' : ''}).`,
    status: { before: 'à terminer bientôt', due: 'à terminer aujourd’hui', overdue: 'en retard' },
    open: 'Ouvrir mes formations',
    digestSubject: (count: number) => `Formations en retard dans votre équipe : ${count} personne${count > 1 ? 's' : ''}`,
    digestDirectionSubject: (count: number) => `Formations en retard dans votre service : ${count} personne${count > 1 ? 's' : ''}`,
    digestIntro: 'Ces personnes ont une formation obligatoire en retard :',
    digestLine: (name: string, title: string, due: string, n: number) => `${name} — « ${title} », échue le ${due} (${n} jour${n > 1 ? 's' : ''} ouvrable${n > 1 ? 's' : ''} de retard)`,
    digestCount: (count: number) => `${count} personne${count > 1 ? 's' : ''}`,
    footer: 'Message automatique du suivi des formations. Ne pas répondre.',
  },
  en: {
    reminderSubject: (title: string) => `Training reminder: ${title}`,
    before: (title: string, due: string, n: number) => `The training "${title}" is due by ${due} (${n} business day${n > 1 ? 's' : ''}).`,
    due: (title: string, due: string) => `The training "${title}" is due today, ${due}.`,
    overdue: (title: string, due: string, n: number) => `The training "${title}" was due on ${due} (${n} business day${n > 1 ? 's' : ''} overdue).`,
    status: { before: 'due soon', due: 'due today', overdue: 'overdue' },
    open: 'Open my training',
    digestSubject: (count: number) => `Overdue training in your team: ${count} ${count > 1 ? 'people' : 'person'}`,
    digestDirectionSubject: (count: number) => `Overdue training in your service: ${count} ${count > 1 ? 'people' : 'person'}`,
    digestIntro: 'These people have mandatory training overdue:',
    digestLine: (name: string, title: string, due: string, n: number) => `${name} — "${title}", due ${due} (${n} business day${n > 1 ? 's' : ''} overdue)`,
    digestCount: (count: number) => `${count} ${count > 1 ? 'people' : 'person'}`,
    footer: 'Automatic message from training tracking. Do not reply.',
  },
} as const;

export interface ReminderText {
  recipientId: string;
  language: Language;
  moduleTitle: string;
  dueDate: string;
  step: ReminderStep;
  overdueBusinessDays: number;
  /** Business days left before the due date, for a `before-N` step. */
  url: string;
}

export function renderReminder(r: ReminderText): ReminderNotification {
  const copy = COPY[r.language];
  const due = formatDay(r.dueDate, r.language);
  const kind = r.step === 'due' ? 'due' : r.step.startsWith('before-') ? 'before' : 'overdue';
  const sentence =
    kind === 'due' ? copy.due(r.moduleTitle, due) : kind === 'before' ? copy.before(r.moduleTitle, due, Number(r.step.slice('before-'.length))) : copy.overdue(r.moduleTitle, due, r.overdueBusinessDays);
  return {
    recipientId: r.recipientId,
    activityType: 'trainingReminder',
    templateParameters: { module: clip(r.moduleTitle, 80), status: copy.status[kind] },
    subject: copy.reminderSubject(r.moduleTitle),
    preview: clip(sentence),
    bodyHtml: `<p>${escapeHtml(sentence)}</p><p><a href="${escapeHtml(r.url)}">${escapeHtml(copy.open)}</a></p><p><small>${escapeHtml(copy.footer)}</small></p>`,
    url: r.url,
  };
}

export interface DigestEntry {
  name: string;
  moduleTitle: string;
  dueDate: string;
  overdueBusinessDays: number;
}

export function renderDigest(recipientId: string, language: Language, level: 'manager' | 'direction', entries: DigestEntry[], url: string): ReminderNotification {
  const copy = COPY[language];
  const people = new Set(entries.map((e) => e.name)).size;
  const subject = level === 'manager' ? copy.digestSubject(people) : copy.digestDirectionSubject(people);
  const lines = [...entries]
    .sort((a, b) => b.overdueBusinessDays - a.overdueBusinessDays || a.name.localeCompare(b.name, language))
    .map((e) => copy.digestLine(e.name, e.moduleTitle, formatDay(e.dueDate, language), e.overdueBusinessDays));
  return {
    recipientId,
    activityType: 'trainingDigest',
    templateParameters: { count: copy.digestCount(people) },
    subject,
    // The preview reaches the lock screen: a count, never a name.
    preview: clip(subject),
    bodyHtml: `<p>${escapeHtml(copy.digestIntro)}</p><ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul><p><a href="${escapeHtml(url)}">${escapeHtml(copy.open)}</a></p><p><small>${escapeHtml(copy.footer)}</small></p>`,
    url,
  };
}
