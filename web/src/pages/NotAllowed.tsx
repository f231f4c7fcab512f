import { Button, MessageBar, MessageBarBody, makeStyles, tokens } from '@fluentui/react-components';
import { useI18n } from '../i18n/i18n';
import { CAPABILITIES, useSession, type PageId } from '../session';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: tokens.spacingVerticalM },
  // Full width and wrapping: a single-line bar would run past a narrow Teams pane.
  bar: { alignSelf: 'stretch' },
});

/**
 * A capability's page opened without one of its roles: which roles it needs, in words, and the way
 * home. The API refuses the data anyway (403); this says so before anything is asked of it.
 */
export function NotAllowed({ page }: { page: PageId }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { navigate } = useSession();
  const roles = CAPABILITIES.find((c) => c.id === page)?.roles ?? [];
  return (
    <section id="not-allowed" className={s.root} aria-labelledby="not-allowed-title">
      <h2 id="not-allowed-title">{t('notAllowedTitle')}</h2>
      <MessageBar intent="warning" layout="multiline" className={s.bar}>
        <MessageBarBody>
          {t('notAllowedText', { roles: i18n.list(roles.map((r) => i18n.label('role_', r))) })}
        </MessageBarBody>
      </MessageBar>
      <Button appearance="primary" onClick={() => navigate('home')}>
        {t('backHome')}
      </Button>
    </section>
  );
}
