import { Badge, Button, Checkbox, Dialog, MessageBar, MessageBarBody, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useMemo, useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorState, LoadingState, useErrorText, useSay } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { useSession } from '../../session';
import { findingText, isRemoval, operationText, reasonText, removalGuard, statusColor, statusText } from './format';
import type { OperationView, RepairPolicy, SpaceDetail, SpaceNode } from './spaceTypes';

const useStyles = makeStyles({
  surface: { maxWidth: 'min(60rem, calc(100vw - 2rem))', width: '100%' },
  // The dialog's content scrolls: its parts keep their height instead of shrinking into each other.
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, '& > *': { flexShrink: 0 } },
  facts: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', columnGap: tokens.spacingHorizontalL, rowGap: tokens.spacingVerticalXS, margin: 0 },
  group: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium, padding: tokens.spacingHorizontalM, margin: 0 },
  legend: { fontWeight: tokens.fontWeightSemibold, padding: `0 ${tokens.spacingHorizontalXS}` },
  h4: { margin: 0, fontSize: tokens.fontSizeBase400 },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  checks: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column' },
  line: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  hint: { color: tokens.colorNeutralForeground2 },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});

const POLICIES: RepairPolicy[] = ['ask', 'auto', 'ignore'];
const POLICY_TITLES: Record<RepairPolicy, MessageKey> = { ask: 'collaborationPolicy_ask', auto: 'collaborationPolicy_auto', ignore: 'collaborationPolicy_ignore' };
const POLICY_HINTS: Record<RepairPolicy, MessageKey> = { ask: 'collaborationPolicyHint_ask', auto: 'collaborationPolicyHint_auto', ignore: 'collaborationPolicyHint_ignore' };

type Told = { intent: 'success' | 'error'; key: MessageKey; count?: number; error?: unknown };

/**
 * One space for IT (GET /api/collaboration/spaces/{key}): its state, the changes the last verification
 * found in words, grouped by the nodes' repair policy; those awaiting approval (and, when the
 * blast-radius guard stopped the space, its removals) can be approved by id (POST .../approve).
 * Approving more removals than the guard allows asks again, separately, in so many words.
 */
export function SpaceDetailDialog(props: { spaceKey: string; name: string; runActive: boolean; onClose(): void; onChanged(): void; onRunStarted(): void }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const errorText = useErrorText();
  const loaded = useLoad(() => api.get<SpaceDetail>(`collaboration/spaces/${encodeURIComponent(props.spaceKey)}`), () => ({ key: 'collaborationDetailLoaded' }), [api, props.spaceKey]);
  const space = loaded.value;
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [confirm, setConfirm] = useState<'removals' | 'apply' | null>(null);
  const [busy, setBusy] = useState(false);
  const [told, setTold] = useState<Told | null>(null);
  const [missing, setMissing] = useState(false);

  const nodes = useMemo(() => new Map<string, SpaceNode>((space?.nodes ?? []).map((n) => [n.key, n])), [space]);
  const operations = space?.operations ?? [];
  const guard = removalGuard(space?.statusReason);
  const blocked = space?.status === 'blocked' && guard !== null;
  /** What IT may approve here: changes that wait for approval, and removals the guard held back. */
  const approvable = (op: OperationView) => op.repair === 'ask' || (blocked && isRemoval(op));
  const chosen = operations.filter((op) => selected.has(op.id) && approvable(op));
  const chosenRemovals = chosen.filter(isRemoval).length;
  const name = space?.displayName ?? props.name;

  const toggle = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const approve = async (approveRemovals: boolean) => {
    setConfirm(null);
    setBusy(true);
    setTold(null);
    try {
      await api.post(`collaboration/spaces/${encodeURIComponent(props.spaceKey)}/approve`, { operationIds: chosen.map((op) => op.id), approveRemovals });
      setTold({ intent: 'success', key: 'collaborationApproved', count: chosen.length });
      setSelected(new Set());
      props.onChanged();
      loaded.retry();
    } catch (e) {
      setTold({ intent: 'error', key: 'collaborationApproveFailed', error: e });
    } finally {
      setBusy(false);
    }
  };

  const askApprove = () => {
    if (!chosen.length) {
      setMissing(true);
      return;
    }
    setMissing(false);
    // More removals than the guard lets through: a separate, explicit confirmation.
    if (guard && chosenRemovals > guard.allowed) setConfirm('removals');
    else void approve(false);
  };

  const applyHere = async () => {
    setConfirm(null);
    setBusy(true);
    setTold(null);
    try {
      await api.post('collaboration/run', { mode: 'apply', spaceKeys: [props.spaceKey] });
      setTold({ intent: 'success', key: 'collaborationApplyOneStarted' });
      props.onRunStarted();
    } catch (e) {
      setTold({ intent: 'error', key: 'collaborationRunNotStarted', error: e });
    } finally {
      setBusy(false);
    }
  };

  const toldText = (x: Told) => t(x.key, { count: x.count ?? 0, message: x.error === undefined ? '' : errorText(x.error) });

  const group = (policy: RepairPolicy) => {
    const ops = operations.filter((op) => op.repair === policy);
    if (!ops.length) return null;
    const selectable = ops.filter(approvable);
    const id = `space-changes-${policy}`;
    return (
      <fieldset key={policy} className={s.group} id={id}>
        <legend className={s.legend}>
          {t(POLICY_TITLES[policy])} ({i18n.number(ops.length)})
        </legend>
        <Text size={200} className={s.hint}>
          {t(POLICY_HINTS[policy])}
        </Text>
        {selectable.length > 1 ? (
          <div className={s.actions}>
            <Button size="small" appearance="subtle" onClick={() => setSelected((prev) => new Set([...prev, ...selectable.map((op) => op.id)]))}>
              {t('collaborationSelectAll')}
            </Button>
            <Button size="small" appearance="subtle" onClick={() => setSelected((prev) => new Set([...prev].filter((x) => !selectable.some((op) => op.id === x))))}>
              {t('collaborationSelectNone')}
            </Button>
          </div>
        ) : null}
        <ul className={selectable.length ? s.checks : s.list}>
          {ops.map((op) => {
            const words = operationText(i18n, op, nodes);
            const removal = isRemoval(op) ? (
              <Badge appearance="tint" color="danger" size="small">
                {t('collaborationRemovalBadge')}
              </Badge>
            ) : null;
            return (
              <li key={op.id}>
                {approvable(op) ? (
                  <Checkbox
                    checked={selected.has(op.id)}
                    onChange={(_, d) => toggle(op.id, d.checked === true)}
                    label={
                      <span className={s.line}>
                        <span>{words}</span>
                        {removal}
                      </span>
                    }
                  />
                ) : (
                  <span className={s.line}>
                    <span>{words}</span>
                    {removal}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      </fieldset>
    );
  };

  const findings = space?.findingsList ?? [];
  const canApprove = operations.some(approvable);

  return (
    <Dialog open modalType="modal" onOpenChange={(_, d) => (d.open ? undefined : props.onClose())}>
      <DialogSurface className={s.surface}>
        <DialogBody>
          <DialogTitle>{name}</DialogTitle>
          <DialogContent className={s.content} id="space-detail">
            <p role="status" aria-live="polite" className={s.hint} style={{ margin: 0 }} id="space-detail-status">
              {loaded.status ? say(loaded.status) : ''}
            </p>
            {loaded.error ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
            {!space && !loaded.error ? <LoadingState /> : null}
            {space ? (
              <>
                <p className={s.facts}>
                  <Badge appearance="tint" color={statusColor(space.status)} id="space-detail-state">
                    {statusText(i18n, space)}
                  </Badge>
                  <span>{i18n.label('collaborationKind_', space.kind)}</span>
                  <span>{space.lastVerifiedAt ? t('collaborationLastVerified', { date: i18n.dateTime(space.lastVerifiedAt) }) : t('collaborationNeverVerified')}</span>
                  <span>{space.lastAppliedAt ? t('collaborationLastApplied', { date: i18n.dateTime(space.lastAppliedAt) }) : t('collaborationNeverApplied')}</span>
                  {space.templateVersion ? <span>{t('collaborationTemplateVersionOf', { version: space.templateVersion })}</span> : null}
                </p>
                {blocked && guard ? (
                  <MessageBar intent="warning" layout="multiline">
                    <MessageBarBody id="space-detail-blocked">{t('collaborationRemovalsBlocked', guard)}</MessageBarBody>
                  </MessageBar>
                ) : space.statusReason ? (
                  <Text id="space-detail-reason">{reasonText(i18n, space.statusReason)}</Text>
                ) : null}
                {told ? (
                  <MessageBar intent={told.intent} layout="multiline">
                    <MessageBarBody id="space-detail-notice">{toldText(told)}</MessageBarBody>
                  </MessageBar>
                ) : null}
                <section aria-labelledby="space-changes-title" className={s.content}>
                  <h3 id="space-changes-title" className={s.h4}>
                    {t('collaborationChangesTitle', { count: operations.length })}
                  </h3>
                  {operations.length ? POLICIES.map(group) : <Text id="space-changes-none">{space.lastVerifiedAt ? t('collaborationChangesNone') : t('collaborationChangesUnknown')}</Text>}
                  {missing ? (
                    <Text role="alert" id="space-approve-missing">
                      {t('collaborationApproveNone')}
                    </Text>
                  ) : null}
                </section>
                <section aria-labelledby="space-findings-title" className={s.content}>
                  <h3 id="space-findings-title" className={s.h4}>
                    {t('collaborationFindingsTitle', { count: findings.length })}
                  </h3>
                  {findings.length ? (
                    <ul className={s.list} id="space-findings">
                      {findings.map((f, n) => (
                        <li key={n}>{findingText(i18n, f, nodes)}</li>
                      ))}
                    </ul>
                  ) : (
                    <Text>{t('collaborationFindingsNone')}</Text>
                  )}
                </section>
              </>
            ) : null}
          </DialogContent>
          <DialogActions fluid>
            {canApprove ? (
              <Button appearance="primary" disabled={busy} onClick={askApprove}>
                {t('collaborationApproveSelected', { count: chosen.length })}
              </Button>
            ) : null}
            {space ? (
              <Button disabled={busy || props.runActive} onClick={() => setConfirm('apply')}>
                {t('collaborationApplyOne')}
              </Button>
            ) : null}
            <Button onClick={props.onClose}>{t('close')}</Button>
          </DialogActions>
        </DialogBody>
        <ConfirmDialog
          open={confirm === 'removals'}
          title={t('collaborationRemovalsConfirmTitle')}
          confirmLabel={t('collaborationRemovalsConfirm', { count: chosenRemovals })}
          onConfirm={() => void approve(true)}
          onCancel={() => setConfirm(null)}
        >
          <p id="space-removals-confirm">{t('collaborationRemovalsConfirmText', { count: chosenRemovals, name, allowed: guard?.allowed ?? 0 })}</p>
        </ConfirmDialog>
        <ConfirmDialog open={confirm === 'apply'} title={t('collaborationApplyOneConfirmTitle', { name })} confirmLabel={t('collaborationApplyOne')} onConfirm={() => void applyHere()} onCancel={() => setConfirm(null)}>
          <p>{t('collaborationApplyOneConfirmText', { changes: operations.length })}</p>
          <p>{t('collaborationApplyConfirmSafe')}</p>
        </ConfirmDialog>
      </DialogSurface>
    </Dialog>
  );
}
