import { Button, Text, makeStaticStyles, makeStyles, tokens } from '@fluentui/react-components';
import { ErrorState, LoadingState } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { percent, text } from './format';
import type { Certificate } from './types';

// Printing shows the certificate alone, on white, whatever the theme: the rest of the page is hidden.
// (Inserted through Griffel, as every rule of the app: the content security policy allows no inline CSS.)
const usePrintStyles = makeStaticStyles(`@media print {
  body * { visibility: hidden !important; }
  .spgq-certificate, .spgq-certificate * { visibility: visible !important; color: #000 !important; background: #fff !important; }
  .spgq-certificate { position: absolute; left: 0; top: 0; width: 100%; border: 2px solid #000 !important; }
  .spgq-no-print { display: none !important; }
}`);

const useStyles = makeStyles({
  certificate: {
    maxWidth: '48rem',
    padding: tokens.spacingHorizontalXXXL,
    border: `${tokens.strokeWidthThick} double ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    gap: tokens.spacingVerticalM,
    textAlign: 'center',
  },
  h3: { margin: 0, fontSize: tokens.fontSizeHero700, lineHeight: tokens.lineHeightHero700 },
  name: { fontSize: tokens.fontSizeBase600, fontWeight: tokens.fontWeightSemibold },
  details: { display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalL}`, margin: 0, textAlign: 'left', '& dt': { fontWeight: tokens.fontWeightSemibold }, '& dd': { margin: 0, overflowWrap: 'anywhere' } },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
});

/** A completed cycle's certificate (GET .../certificates/{cycle}), with a print view (window.print()). */
export function CertificateView({ moduleId, cycle, onClose }: { moduleId: string; cycle: number; onClose(): void }) {
  usePrintStyles();
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const loaded = useLoad(() => api.get<Certificate>(`training/modules/${encodeURIComponent(moduleId)}/certificates/${cycle}`), () => ({ key: 'certificateLoaded' }), [api, moduleId, cycle]);
  const c = loaded.value;
  return (
    <>
      {loaded.error ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
      {!c && !loaded.error ? <LoadingState /> : null}
      {c ? (
        <>
          <article id="training-certificate" className={`spgq-certificate ${s.certificate}`} aria-labelledby="activity-title">
            <h3 id="activity-title" className={s.h3}>
              {t('certificateTitle')}
            </h3>
            <Text>{t('certificateAwardedTo')}</Text>
            <Text className={s.name}>{c.person.displayName ?? t('personUnknown')}</Text>
            <Text>{t('certificateFor2', { title: text(i18n, c.module.title) })}</Text>
            <dl className={s.details}>
              <dt>{t('certificateCompletedAt')}</dt>
              <dd>{i18n.dateTime(c.completedAt)}</dd>
              <dt>{t('certificateCycle2')}</dt>
              <dd>{i18n.number(c.cycle)}</dd>
              <dt>{t('certificateMethod')}</dt>
              <dd>{i18n.label('method_', c.method)}</dd>
              {c.score !== null ? (
                <>
                  <dt>{t('certificateScore')}</dt>
                  <dd>{percent(i18n, c.score)}</dd>
                </>
              ) : null}
              {c.attestationHash ? (
                <>
                  <dt>{t('certificateHash')}</dt>
                  <dd>
                    <code>{c.attestationHash}</code>
                  </dd>
                </>
              ) : null}
              <dt>{t('catalogueVersion')}</dt>
              <dd>{c.catalogueVersion}</dd>
            </dl>
          </article>
          <div className={`spgq-no-print ${s.actions}`}>
            <Button appearance="primary" id="certificate-print" onClick={() => window.print()}>
              {t('certificatePrint')}
            </Button>
            <Button onClick={onClose}>{t('close')}</Button>
          </div>
        </>
      ) : null}
    </>
  );
}
