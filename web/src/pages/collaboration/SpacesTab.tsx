import { Badge, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ErrorState, EmptyState, LoadingState, useSay } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { statusColor, statusText } from './format';
import { SpaceTree } from './SpaceTree';
import type { SpaceDetail, SpaceSummary, SpacesAnswer, TemplatesAnswer } from './spaceTypes';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  h4: { margin: 0, fontSize: tokens.fontSizeBase400 },
  cards: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  card: { padding: tokens.spacingHorizontalL, borderRadius: tokens.borderRadiusMedium, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  head: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalM },
  facts: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalXL, rowGap: tokens.spacingVerticalXS, color: tokens.colorNeutralForeground2, margin: 0 },
});

/**
 * "Mes espaces" (GET /api/collaboration/spaces, then each space): the spaces the person is a member
 * of, their state in words, when they were last verified and their folder tree as the template names it.
 */
export function SpacesTab() {
  const s = useStyles();
  const { t } = useI18n();
  const { api } = useSession();
  const say = useSay();
  const loaded = useLoad(
    async () => {
      const [list, templates] = await Promise.all([api.get<SpacesAnswer>('collaboration/spaces'), api.get<TemplatesAnswer>('collaboration/templates').catch(() => null)]);
      // Everyone's own: an IT administrator sees every space elsewhere (the administration tab).
      const mine = list.spaces.filter((sp) => sp.member);
      const details = await Promise.all(mine.map((sp) => api.get<SpaceDetail>(`collaboration/spaces/${encodeURIComponent(sp.key)}`)));
      return { spaces: details, templates: templates?.templates ?? [] };
    },
    (r) => (r.spaces.length ? { key: 'collaborationMineFound', params: { count: r.spaces.length } } : { key: 'collaborationMineNone' }),
    [api],
  );
  const value = loaded.value;
  return (
    <section id="collaboration-mine" className={s.section} aria-labelledby="collaboration-mine-title">
      <h3 id="collaboration-mine-title" className={s.h3}>
        {t('collaborationMineTitle')}
      </h3>
      <Text>{t('collaborationMineIntro')}</Text>
      <p id="collaboration-mine-status" role="status" aria-live="polite" className={s.status}>
        {loaded.status ? say(loaded.status) : ''}
      </p>
      {loaded.error ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
      {!value && !loaded.error ? <LoadingState /> : null}
      {value && !value.spaces.length ? <EmptyState title={t('collaborationMineNone')} hint={t('collaborationMineNoneHint')} /> : null}
      {value && value.spaces.length ? (
        <ul className={s.cards} id="collaboration-mine-list">
          {value.spaces.map((space) => (
            <SpaceCard key={space.key} space={space} templates={value.templates} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function SpaceCard({ space, templates }: { space: SpaceDetail; templates: TemplatesAnswer['templates'] }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const titleId = `space-${space.key}-title`;
  return (
    <li className={s.card} id={`space-${space.key}`}>
      <div className={s.head}>
        <h4 id={titleId} className={s.h4}>
          {space.displayName}
        </h4>
        <Badge appearance="tint" color={statusColor(space.status)} id={`space-${space.key}-state`}>
          {statusText(i18n, space)}
        </Badge>
      </div>
      <p className={s.facts}>
        <span>{i18n.label('collaborationKind_', space.kind)}</span>
        <span id={`space-${space.key}-verified`}>{space.lastVerifiedAt ? t('collaborationLastVerified', { date: i18n.date(space.lastVerifiedAt) }) : t('collaborationNeverVerified')}</span>
        {space.templateVersion ? <span>{t('collaborationTemplateVersionOf', { version: space.templateVersion })}</span> : null}
      </p>
      <Text>{stateHelp(space, t)}</Text>
      <SpaceTree nodes={space.nodes} templates={templates} id={`space-${space.key}-tree`} label={t('collaborationTreeOf', { name: space.displayName })} />
    </li>
  );
}

/** What the state means for a member, in one sentence. */
function stateHelp(space: SpaceSummary, t: ReturnType<typeof useI18n>['t']): string {
  switch (space.status) {
    case 'in-sync':
      return t('collaborationMineHelp_in_sync');
    case 'new':
      return t('collaborationMineHelp_new');
    case 'provisioning':
      return t('collaborationMineHelp_provisioning');
    case 'failed':
    case 'blocked':
      return t('collaborationMineHelp_failed');
    default:
      return t('collaborationMineHelp_drift');
  }
}
