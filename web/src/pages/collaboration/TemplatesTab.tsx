import { Text, makeStyles, tokens } from '@fluentui/react-components';
import { DocumentRegular, DocumentTextRegular, MailTemplateRegular, SlideTextRegular, TableRegular, type FluentIcon } from '@fluentui/react-icons';
import { ErrorState, EmptyState, LoadingState, useSay } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { useSession } from '../../session';
import { named } from './format';
import type { DocumentTemplate, TemplatesAnswer } from './spaceTypes';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  h4: { margin: 0, fontSize: tokens.fontSizeBase400, display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  groups: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(18rem, 1fr))', gap: tokens.spacingHorizontalL },
  group: { padding: tokens.spacingHorizontalM, borderRadius: tokens.borderRadiusMedium, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  icon: { fontSize: '24px', color: tokens.colorBrandForeground1, flexShrink: 0 },
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  item: { display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', gap: tokens.spacingHorizontalS },
  version: { color: tokens.colorNeutralForeground2 },
});

const KINDS: { kind: string; title: MessageKey; icon: FluentIcon }[] = [
  { kind: 'word', title: 'collaborationDocKind_word', icon: DocumentTextRegular },
  { kind: 'excel', title: 'collaborationDocKind_excel', icon: TableRegular },
  { kind: 'powerpoint', title: 'collaborationDocKind_powerpoint', icon: SlideTextRegular },
  { kind: 'email', title: 'collaborationDocKind_email', icon: MailTemplateRegular },
];

/** The organisation's document templates (GET /api/collaboration/templates) by kind, with their version. */
export function TemplatesTab() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const loaded = useLoad(
    () => api.get<TemplatesAnswer>('collaboration/templates'),
    (r) => (r.templates.length ? { key: 'collaborationTemplatesFound', params: { count: r.templates.length } } : { key: 'collaborationTemplatesNone' }),
    [api],
  );
  const value = loaded.value;
  const known = new Set(KINDS.map((k) => k.kind));
  const groups: { key: string; title: string; icon: FluentIcon; items: DocumentTemplate[] }[] = value
    ? [
        ...KINDS.map((k) => ({ key: k.kind, title: t(k.title), icon: k.icon, items: value.templates.filter((d) => d.kind === k.kind) })),
        { key: 'other', title: t('collaborationDocKind_other'), icon: DocumentRegular, items: value.templates.filter((d) => !known.has(d.kind)) },
      ].filter((g) => g.items.length)
    : [];
  const collator = new Intl.Collator(i18n.language, { sensitivity: 'base' });
  return (
    <section id="collaboration-templates" className={s.section} aria-labelledby="collaboration-templates-title">
      <h3 id="collaboration-templates-title" className={s.h3}>
        {t('collaborationTemplatesTitle')}
      </h3>
      {value ? <Text>{t('collaborationTemplatesIntro', { version: value.templateVersion })}</Text> : null}
      <p id="collaboration-templates-status" role="status" aria-live="polite" className={s.status}>
        {loaded.status ? say(loaded.status) : ''}
      </p>
      {loaded.error ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
      {!value && !loaded.error ? <LoadingState /> : null}
      {value && !value.templates.length ? <EmptyState title={t('collaborationTemplatesNone')} hint={t('collaborationTemplatesNoneHint')} /> : null}
      {groups.length ? (
        <div className={s.groups}>
          {groups.map(({ key, title, icon: Icon, items }) => (
            <section key={key} className={s.group} aria-labelledby={`templates-${key}-title`} id={`templates-${key}`}>
              <h4 id={`templates-${key}-title`} className={s.h4}>
                <Icon className={s.icon} aria-hidden />
                {title}
              </h4>
              <ul className={s.list}>
                {[...items]
                  .sort((a, b) => collator.compare(named(i18n, a.names), named(i18n, b.names)))
                  .map((d) => (
                    <li key={d.key} className={s.item}>
                      <Text>{named(i18n, d.names)}</Text>
                      <Text className={s.version}>{t('collaborationVersion', { version: d.version })}</Text>
                    </li>
                  ))}
              </ul>
            </section>
          ))}
        </div>
      ) : null}
    </section>
  );
}
