import { Button, Link, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { ErrorState, } from '../../components/States';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { text } from './format';
import type { Told } from './format';
import type { MyItem } from './types';

const useStyles = makeStyles({
  h3: { margin: 0 },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});

/** A content module (a video, a page elsewhere): open it, then say "J'ai terminé" (POST .../done). */
export function ContentActivity({ item, onDone, onClose }: { item: MyItem; onDone(said: Told): void; onClose(): void }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const done = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ completedAt: string }>(`training/modules/${encodeURIComponent(item.moduleId)}/done`);
      onDone({ key: 'contentDone', title: item.title, at: r.body.completedAt });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h3 id="activity-title" className={s.h3}>
        {text(i18n, item.title)}
      </h3>
      <Text>{text(i18n, item.description)}</Text>
      {item.url ? (
        <Link id="content-link" href={item.url[i18n.language]} target="_blank" rel="noopener noreferrer" inline>
          {t('openContentLink', { title: text(i18n, item.title) })}
        </Link>
      ) : null}
      <Text>{t('contentDoneHelp')}</Text>
      {error ? <ErrorState error={error} /> : null}
      <div className={s.actions}>
        <Button appearance="primary" id="content-done" disabled={busy} onClick={() => void done()}>
          {busy ? t('working') : t('contentDoneButton')}
        </Button>
        <Button onClick={onClose}>{t('close')}</Button>
      </div>
    </>
  );
}
