import { useI18n, type MessageKey } from '../i18n/i18n';
import type { InfoPageId } from '../session';

const CONTENT: Record<InfoPageId, { title: MessageKey; paragraphs: MessageKey[] }> = {
  privacy: { title: 'privacyTitle', paragraphs: ['privacyIntro', 'privacyWhat', 'privacyWhere', 'privacyHowLong', 'privacyRights'] },
  terms: { title: 'termsTitle', paragraphs: ['termsUse', 'termsRecords', 'termsConfidential'] },
};

/** The privacy notice and the terms of use: plain text, readable before anyone signs in. */
export function InfoPage({ page }: { page: InfoPageId }) {
  const { t } = useI18n();
  const { title, paragraphs } = CONTENT[page];
  return (
    <article aria-labelledby="info-title">
      <h2 id="info-title">{t(title)}</h2>
      {paragraphs.map((key) => (
        <p key={key}>{t(key)}</p>
      ))}
    </article>
  );
}
