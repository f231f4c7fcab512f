import { Badge, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ChannelRegular, FolderRegular } from '@fluentui/react-icons';
import { useI18n } from '../../i18n/i18n';
import { named, nodeLabel, nodeTree, type TreeNode } from './format';
import type { DocumentTemplate, SpaceNode } from './spaceTypes';

const useStyles = makeStyles({
  list: { listStyleType: 'none', margin: 0, paddingLeft: tokens.spacingHorizontalXL },
  root: { listStyleType: 'none', margin: 0, padding: 0 },
  item: { paddingTop: tokens.spacingVerticalXXS, paddingBottom: tokens.spacingVerticalXXS },
  line: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  icon: { color: tokens.colorNeutralForeground2, flexShrink: 0, fontSize: tokens.fontSizeBase400 },
  meta: { color: tokens.colorNeutralForeground2, paddingLeft: tokens.spacingHorizontalXXL },
});

/**
 * A space's folders as the template names them, in the language in use: one nested list (a channel
 * per top-level section, its folders beneath), with each folder's retention label and templates.
 */
export function SpaceTree({ nodes, templates, id, label }: { nodes: SpaceNode[]; templates: readonly DocumentTemplate[]; id?: string; label: string }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const templateName = (key: string) => {
    const found = templates.find((d) => d.key === key);
    return found ? named(i18n, found.names) : t('collaborationTemplateUnknown');
  };
  const render = (items: TreeNode[], top: boolean) => (
    <ul className={top ? s.root : s.list} aria-label={top ? label : undefined} id={top ? id : undefined}>
      {items.map(({ node, children }) => (
        <li key={node.key} className={s.item}>
          <div className={s.line}>
            {node.channel ? <ChannelRegular className={s.icon} aria-hidden /> : <FolderRegular className={s.icon} aria-hidden />}
            <Text weight={node.channel ? 'semibold' : 'regular'}>{nodeLabel(i18n, node)}</Text>
            {node.channel ? (
              <Badge appearance="outline" color="informative" size="small">
                {t('collaborationChannel')}
              </Badge>
            ) : null}
          </div>
          {node.retentionLabel || node.documents.length ? (
            <div className={s.meta}>
              {node.retentionLabel ? <Text size={200} block>{t('collaborationRetention', { label: node.retentionLabel })}</Text> : null}
              {node.documents.length ? <Text size={200} block>{t('collaborationDocuments', { list: i18n.list(node.documents.map(templateName)) })}</Text> : null}
            </div>
          ) : null}
          {children.length ? render(children, false) : null}
        </li>
      ))}
    </ul>
  );
  if (!nodes.length) return <Text>{t('collaborationTreeNone')}</Text>;
  return render(nodeTree(nodes), true);
}
