import { Prng, mixSeed } from './prng';
import type { SandboxUser } from './tenant-seed';
import type { RawContent } from './raw-mime';

export interface EmailAddress {
  name: string;
  address: string;
}

export interface AttachmentSpec {
  name: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  isInline: boolean;
  contentId?: string;
}

/** How a deliberately broken message is broken (archiving must survive each). */
export type Malformation = 'unterminated-multipart' | 'invalid-base64' | 'raw-8bit-header';

/** Everything needed to render a message as Graph JSON and, deterministically, as MIME. */
export interface MessageSpec {
  /** Position in its mailbox; ids and MIME bytes derive from it. */
  key: number;
  lang: 'fr' | 'en';
  subject: string;
  from: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  sentDateTime: string;
  receivedDateTime: string;
  isRead: boolean;
  importance: 'low' | 'normal' | 'high';
  internetMessageId: string;
  conversationId: string;
  inReplyTo?: string;
  charset: 'utf-8' | 'iso-8859-1' | 'windows-1252';
  bodyText: string;
  attachments: AttachmentSpec[];
  malformed?: Malformation;
  /** Exact bytes given through the control API: served as they are instead of rendered MIME. */
  raw?: RawContent;
}

export type WellKnownFolder = 'inbox' | 'sentitems' | 'deleteditems' | 'junkemail' | 'drafts' | 'archive';

export interface FolderSpec {
  /** Path of display names from the mailbox root, e.g. ['inbox', 'Dossiers', '2025']. */
  parentPath: string[];
  wellKnownName?: WellKnownFolder;
  displayName: string;
}

const FOLDER_NAMES: Record<'fr' | 'en', Record<WellKnownFolder, string>> = {
  fr: { inbox: 'Boîte de réception', sentitems: 'Éléments envoyés', deleteditems: 'Éléments supprimés', junkemail: 'Courrier indésirable', drafts: 'Brouillons', archive: 'Archives' },
  en: { inbox: 'Inbox', sentitems: 'Sent Items', deleteditems: 'Deleted Items', junkemail: 'Junk Email', drafts: 'Drafts', archive: 'Archive' },
};

/** Well-known folders (names localised like Exchange does) and a few nested user folders under the inbox. */
export function seedFolders(lang: 'fr' | 'en'): FolderSpec[] {
  const names = FOLDER_NAMES[lang];
  const wellKnown = (Object.keys(names) as WellKnownFolder[]).map((w): FolderSpec => ({ parentPath: [], wellKnownName: w, displayName: names[w] }));
  const dossiers = lang === 'fr' ? 'Dossiers' : 'Cases';
  return [
    ...wellKnown,
    { parentPath: ['inbox'], displayName: dossiers },
    { parentPath: ['inbox', dossiers], displayName: '2025' },
    { parentPath: ['inbox', dossiers, '2025'], displayName: lang === 'fr' ? 'Griefs' : 'Grievances' },
    { parentPath: ['inbox', dossiers], displayName: lang === 'fr' ? 'Négociation' : 'Bargaining' },
  ];
}

const SUBJECTS: Record<'fr' | 'en', string[]> = {
  fr: ['Convocation : assemblée générale', 'Grief n° 2025-014 — suivi', 'Négociation de la convention collective', 'Procès-verbal de la réunion du comité exécutif', 'Formation en cybersécurité obligatoire', 'Demande d’accès à l’information', 'Horaire d’été et congés', 'Révision du plan de classification', 'Budget prévisionnel 2026', 'Mise à jour des outils Teams', 'Dossier d’arbitrage — pièces à déposer', 'Sondage auprès des membres'],
  en: ['Meeting notes: executive committee', 'Grievance 2025-014 follow-up', 'Collective agreement bargaining', 'Mandatory cybersecurity training', 'Summer schedule', 'Budget forecast 2026', 'Teams rollout update', 'Arbitration file — exhibits'],
};

const SENTENCES: Record<'fr' | 'en', string[]> = {
  fr: ['Bonjour à toutes et à tous,', 'Vous trouverez ci-joint le document demandé.', 'La rencontre aura lieu jeudi à 13 h 30 à la salle du conseil.', 'Merci de confirmer votre présence d’ici vendredi.', 'Le comité a adopté la résolution à l’unanimité.', 'Nous attendons la réponse de l’employeur quant au grief déposé.', 'N’hésitez pas à communiquer avec moi pour toute question.', 'Les délais prévus à la convention collective s’appliquent.', 'Voici le résumé des échanges d’hier, à réviser avant l’envoi aux membres.', 'Ça prendra environ deux semaines; je vous tiens au courant.'],
  en: ['Hello everyone,', 'Please find the requested document attached.', 'The meeting is on Thursday at 1:30 p.m. in the council room.', 'Please confirm your attendance by Friday.', 'The committee adopted the resolution unanimously.', 'We are waiting for the employer’s answer on the grievance.', 'Feel free to reach out with any question.', 'The deadlines in the collective agreement apply.'],
};

const EXTERNAL: EmailAddress[] = [
  { name: 'Greffe du Tribunal administratif', address: 'greffe@tribunal-exemple.ca' },
  { name: 'Jean-François Employeur', address: 'jf.employeur@ministere-exemple.gouv.qc.ca' },
  { name: 'Newsletter Fédération', address: 'nouvelles@federation-exemple.org' },
  { name: 'Promo Électronique', address: 'offres@promo-exemple.biz' },
];

const ATTACHMENT_KINDS: Array<Omit<AttachmentSpec, 'isInline'>> = [
  { name: 'note.txt', contentType: 'text/plain', size: 12 },
  { name: 'procès-verbal.pdf', contentType: 'application/pdf', size: 23_456 },
  { name: 'Convention collective 2023-2028.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', size: 154_321 },
  { name: 'budget.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', size: 48_000 },
  { name: 'photos-manifestation.zip', contentType: 'application/zip', size: 2_345_678 },
];

/** Size of the one very large attachment: with base64 the message is ~100 MB of MIME. */
export const LARGE_ATTACHMENT_BYTES = 75 * 1024 * 1024;

/** Messages are spread over two years ending here (fixed, so the seed does not depend on today). */
const SEED_END = Date.UTC(2026, 9, 31, 16, 0, 0);

const address = (user: SandboxUser): EmailAddress => ({ name: user.displayName, address: user.mail ?? user.userPrincipalName });
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface SeededMessage {
  spec: MessageSpec;
  /** Folder as a path, resolved to an id by the store. */
  folderPath: string[];
}

/**
 * The messages of one mailbox, derived only from (seed, mailbox owner, count): threads in French and
 * English with replies and forwards, attachments, an inline image, odd charsets, RFC 2047 headers, a
 * few malformed messages, and some in nested folders, Deleted Items and Junk Email.
 */
export function seedMessages(seed: number, owner: SandboxUser, colleagues: SandboxUser[], count: number, withLargeMessage: boolean): SeededMessage[] {
  const prng = new Prng(mixSeed(seed, 'mailbox', owner.id));
  const lang: 'fr' | 'en' = owner.preferredLanguage === 'en-CA' ? 'en' : 'fr';
  const folders = seedFolders(lang);
  const nested = folders.filter((f) => f.parentPath.length > 0).map((f) => [...f.parentPath, f.displayName]);
  const interval = Math.max(60_000, Math.floor((730 * 86400_000) / Math.max(1, count)));
  const messages: SeededMessage[] = [];
  const me = address(owner);
  for (let key = 0; key < count; key++) {
    const messageLang: 'fr' | 'en' = prng.chance(lang === 'fr' ? 0.8 : 0.3) ? 'fr' : 'en';
    const sent = SEED_END - (count - key) * interval + prng.int(0, Math.floor(interval / 2));
    const roll = prng.next();
    const folderPath = roll < 0.55 ? ['inbox'] : roll < 0.72 ? ['sentitems'] : roll < 0.87 ? prng.pick(nested) : roll < 0.93 ? ['deleteditems'] : roll < 0.97 ? ['junkemail'] : ['archive'];
    const outgoing = folderPath[0] === 'sentitems';
    const junk = folderPath[0] === 'junkemail';
    const other = junk ? EXTERNAL[3]! : prng.chance(0.75) && colleagues.length > 0 ? address(prng.pick(colleagues)) : prng.pick(EXTERNAL.slice(0, 3));
    const previous = messages.length > 0 && prng.chance(0.35) ? prng.pick(messages).spec : undefined;
    const kind = previous ? (prng.chance(0.75) ? 'reply' : 'forward') : 'new';
    const baseSubject = previous ? previous.subject.replace(/^((RE|TR|FW) ?: ?)+/i, '') : prng.pick(SUBJECTS[messageLang]);
    const prefix = kind === 'reply' ? (messageLang === 'fr' ? 'RE : ' : 'RE: ') : kind === 'forward' ? (messageLang === 'fr' ? 'TR : ' : 'FW: ') : '';
    const sentences = SENTENCES[messageLang];
    const bodyText = Array.from({ length: prng.int(2, 6) }, () => prng.pick(sentences)).join('\n\n');
    const attachments: AttachmentSpec[] = [];
    if (prng.chance(0.25)) {
      for (let i = prng.int(1, 2); i > 0; i--) attachments.push({ ...prng.pick(ATTACHMENT_KINDS), isInline: false });
    }
    if (prng.chance(0.1)) attachments.push({ name: 'logo.png', contentType: 'image/png', size: 67, isInline: true, contentId: `logo-${key}@syndicat-exemple` });
    const charsetRoll = prng.next();
    const spec: MessageSpec = {
      key,
      lang: messageLang,
      subject: prefix + baseSubject,
      from: outgoing ? me : other,
      to: outgoing ? [other] : [me],
      cc: prng.chance(0.3) && colleagues.length > 1 ? [address(prng.pick(colleagues))] : [],
      sentDateTime: iso(sent),
      receivedDateTime: iso(sent + prng.int(1, 90) * 1000),
      isRead: prng.chance(0.7),
      importance: prng.chance(0.1) ? 'high' : 'normal',
      internetMessageId: `<${mixSeed(seed, owner.id, key).toString(36)}.${key}@syndicat-exemple.onmicrosoft.com>`,
      conversationId: previous ? previous.conversationId : `AAQk${Buffer.from(`${owner.id}:${key}`).toString('base64url')}`,
      inReplyTo: previous?.internetMessageId,
      charset: charsetRoll < 0.08 ? 'iso-8859-1' : charsetRoll < 0.14 ? 'windows-1252' : 'utf-8',
      bodyText,
      attachments,
      malformed: prng.chance(0.03) ? prng.pick<Malformation>(['unterminated-multipart', 'invalid-base64', 'raw-8bit-header']) : undefined,
    };
    if (spec.malformed === 'invalid-base64' && spec.attachments.length === 0) spec.attachments.push({ ...ATTACHMENT_KINDS[1]!, isInline: false });
    messages.push({ spec, folderPath });
  }
  if (withLargeMessage) {
    const key = count;
    messages.push({
      folderPath: ['inbox'],
      spec: {
        key, lang: 'fr', subject: 'Enregistrement vidéo de l’assemblée générale',
        from: EXTERNAL[2]!, to: [me], cc: [], sentDateTime: iso(SEED_END - 3600_000), receivedDateTime: iso(SEED_END - 3500_000),
        isRead: false, importance: 'normal', internetMessageId: `<large.${mixSeed(seed, owner.id)}@federation-exemple.org>`,
        conversationId: `AAQk${Buffer.from(`${owner.id}:${key}`).toString('base64url')}`, charset: 'utf-8',
        bodyText: 'Bonjour,\n\nVoici l’enregistrement complet de l’assemblée générale.',
        attachments: [{ name: 'assemblée-générale.mp4', contentType: 'video/mp4', size: LARGE_ATTACHMENT_BYTES, isInline: false }],
      },
    });
  }
  return messages;
}
