import { Button, Card, CardFooter, CardHeader, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useI18n, type MessageKey } from '../i18n/i18n';
import { hasRole, useSession, type PageId } from '../session';

const useStyles = makeStyles({
  grid: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(16rem, 1fr))', gap: tokens.spacingHorizontalL, marginTop: tokens.spacingVerticalL },
  card: { height: '100%' },
});

/** Where to go, by role: the person's mail for staff, records tools for RecordsManagers, the on-prem systems, their training, the staff directory for HR and IT, their collaboration spaces. */
export function HomePage({ offered }: { offered: PageId[] }) {
  const s = useStyles();
  const { t } = useI18n();
  const { me, navigate } = useSession();
  const cards: { key: string; page: PageId; title: MessageKey; text: MessageKey }[] = [];
  if (offered.includes('archive')) cards.push({ key: 'archive', page: 'archive', title: 'homeArchiveTitle', text: 'homeArchiveText' });
  if (offered.includes('archive') && hasRole(me, 'RecordsManager')) cards.push({ key: 'records', page: 'archive', title: 'homeRecordsTitle', text: 'homeRecordsText' });
  if (offered.includes('relay')) cards.push({ key: 'relay', page: 'relay', title: 'homeRelayTitle', text: 'homeRelayText' });
  if (offered.includes('training')) cards.push({ key: 'training', page: 'training', title: 'homeTrainingTitle', text: 'homeTrainingText' });
  if (offered.includes('collaboration')) cards.push({ key: 'collaboration', page: 'collaboration', title: 'homeCollaborationTitle', text: 'homeCollaborationText' });
  if (offered.includes('people')) cards.push({ key: 'people', page: 'people', title: 'homePeopleTitle', text: 'homePeopleText' });
  if (offered.includes('rollout')) cards.push({ key: 'rollout', page: 'rollout', title: 'homeRolloutTitle', text: 'homeRolloutText' });
  return (
    <section aria-labelledby="welcome">
      <h2 id="welcome">{t('welcome', { name: me.name ?? me.oid })}</h2>
      <Text>{cards.length ? t('homeIntro') : t('homeNothing')}</Text>
      <div className={s.grid}>
        {cards.map((c) => (
          <Card key={c.key} className={s.card}>
            <CardHeader header={<Text as="h3" weight="semibold" size={400}>{t(c.title)}</Text>} description={<Text>{t(c.text)}</Text>} />
            <CardFooter>
              <Button
                appearance="primary"
                aria-label={t('openDocLabel', { title: t(c.title) })}
                onClick={() => {
                  if (c.key === 'records') sessionStorage.setItem('spgq.archiveTab', 'records');
                  navigate(c.page);
                }}
              >
                {t('open')}
              </Button>
            </CardFooter>
          </Card>
        ))}
      </div>
    </section>
  );
}
