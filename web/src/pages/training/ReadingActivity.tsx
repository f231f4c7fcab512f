import { Button, Checkbox, Field, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError } from '../../api';
import { ErrorState, LoadingState, Notice, } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { paragraphs, text } from './format';
import type { Told } from './format';
import type { MyItem, Reading } from './types';

const useStyles = makeStyles({
  h3: { margin: 0 },
  reading: { maxWidth: '48rem', maxHeight: '24rem', overflowY: 'auto', padding: tokens.spacingHorizontalM, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, borderRadius: tokens.borderRadiusMedium, '& p': { marginTop: 0 } },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});

/**
 * A reading to attest: the text, the attestation ("J'ai lu et compris...") to tick, then "Je signe".
 * The version signed is the one shown (its hash goes back to the API); if the catalogue changed it
 * meanwhile the API refuses (409) and the new text is shown to read again.
 */
export function ReadingActivity({ item, onSigned, onClose }: { item: MyItem; onSigned(said: Told): void; onClose(): void }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t, language } = i18n;
  const { api } = useSession();
  const [attempt, setAttempt] = useState(0);
  const loaded = useLoad(() => api.get<Reading>(`training/modules/${encodeURIComponent(item.moduleId)}/reading`), () => ({ key: 'readingLoaded' }), [api, item.moduleId, attempt]);
  const reading = loaded.value;
  const [checked, setChecked] = useState(false);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [changed, setChanged] = useState(false);

  const sign = async () => {
    if (!reading) return;
    if (!checked) {
      setMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ completedAt: string; attestationHash: string }>(`training/modules/${encodeURIComponent(item.moduleId)}/attest`, { versionHash: reading.versionHash, language });
      onSigned({ key: 'readingSigned', title: item.title, at: r.body.completedAt });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        // The text changed since it was shown: the new one, to read again before signing.
        setChanged(true);
        setChecked(false);
        setAttempt((n) => n + 1);
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h3 id="activity-title" className={s.h3}>
        {text(i18n, item.title)}
      </h3>
      {loaded.error ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
      {!reading && !loaded.error ? <LoadingState /> : null}
      {changed ? (
        <Notice intent="warning" id="reading-changed">
          {t('readingChanged')}
        </Notice>
      ) : null}
      {reading ? (
        <>
          <div id="reading-text" className={s.reading} tabIndex={0} role="region" aria-label={t('readingTextLabel', { title: text(i18n, item.title) })}>
            {paragraphs(text(i18n, reading.text)).map((p, i) => (
              <p key={i}>{p}</p>
            ))}
          </div>
          <Field validationMessage={missing && !checked ? t('attestationRequired') : undefined} validationState={missing && !checked ? 'error' : 'none'}>
            <Checkbox
              id="attestation"
              checked={checked}
              onChange={(_, d) => setChecked(d.checked === true)}
              label={text(i18n, reading.attestation)}
            />
          </Field>
          <Text size={200}>{t('attestationNote')}</Text>
          {error ? <ErrorState error={error} /> : null}
          <div className={s.actions}>
            <Button appearance="primary" id="sign" disabled={busy} onClick={() => void sign()}>
              {busy ? t('working') : t('signButton')}
            </Button>
            <Button onClick={onClose}>{t('close')}</Button>
          </div>
        </>
      ) : null}
    </>
  );
}
