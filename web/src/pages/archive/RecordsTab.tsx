import { Badge, Button, Field, Input, Link, Select, Tag, TagGroup, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import * as z from 'zod';
import { BarChart } from '../../components/BarChart';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable, type Column } from '../../components/DataTable';
import { useZodForm } from '../../components/Form';
import { MailboxPicker, mailboxName, rememberMailboxes, type MailboxChoice } from '../../components/MailboxPicker';
import { ErrorState, LoadingState, Notice, useSay, type Said } from '../../components/States';
import { pollUntil, usePolling } from '../../components/usePolling';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { useSession } from '../../session';
import { AUDIT_ACTIONS, type AuditRecord, type ExportRecord, type Hold, type IntegrityStatus, type MailboxCompleteness, type SearchFilter } from './types';

const useStyles = makeStyles({
  section: { marginTop: tokens.spacingVerticalXL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  row: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'flex-end' },
  grow: { flexGrow: 1, minWidth: '14rem' },
  integrity: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  // Red and a word: colour alone would say nothing to a screen reader or in high contrast.
  failing: { color: tokens.colorPaletteRedForeground1, fontWeight: tokens.fontWeightSemibold },
  failures: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
  messageId: { wordBreak: 'break-all' },
});

/** The records manager's tools: integrity, legal holds, exports, completeness, audit. */
export function RecordsTab({ filter }: { filter: SearchFilter }) {
  const s = useStyles();
  const { t } = useI18n();
  const { api } = useSession();
  const [, setNamesLoaded] = useState(0);
  useEffect(() => {
    // Names for the ids these lists hold (holds' mailboxes, audit actors).
    api
      .get<{ items: MailboxChoice[] }>('archive/mailboxes', { pageSize: '50' })
      .then((r) => {
        rememberMailboxes(r.items);
        setNamesLoaded((n) => n + 1);
      })
      .catch(() => undefined);
  }, [api]);
  return (
    <div id="records">
      <h2 id="records-title">{t('recordsTitle')}</h2>
      <Text>{t('recordsIntro')}</Text>
      <section className={s.section} aria-labelledby="integrity-title">
        <h3 id="integrity-title" className={s.h3}>
          {t('integrityTitle')}
        </h3>
        <Integrity />
      </section>
      <section className={s.section} aria-labelledby="holds-title">
        <h3 id="holds-title" className={s.h3}>
          {t('holdsTitle')}
        </h3>
        <Holds />
      </section>
      <section className={s.section} aria-labelledby="exports-title">
        <h3 id="exports-title" className={s.h3}>
          {t('exportsTitle')}
        </h3>
        <Exports filter={filter} />
      </section>
      <section className={s.section} aria-labelledby="reassign-title">
        <h3 id="reassign-title" className={s.h3}>
          {t('reassignTitle')}
        </h3>
        <Reassign />
      </section>
      <section className={s.section} aria-labelledby="completeness-title">
        <h3 id="completeness-title" className={s.h3}>
          {t('completenessTitle')}
        </h3>
        <Completeness />
      </section>
      <section className={s.section} aria-labelledby="audit-title">
        <h3 id="audit-title" className={s.h3}>
          {t('auditTitle')}
        </h3>
        <Audit />
      </section>
    </div>
  );
}

function Integrity() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const [status, setStatus] = useState<IntegrityStatus | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<MessageKey | null>(null);
  const [since, setSince] = useState<string | null>(null);
  const read = useCallback(async () => (await api.get<{ status: IntegrityStatus | null }>('archive/integrity')).status, [api]);
  useEffect(() => {
    read().then(setStatus, setError);
  }, [read]);
  // After "verify now": read the status until a verification newer than the request shows.
  const poll = usePolling(read, (v) => Boolean(v && since && v.checkedAt >= since), {
    intervalMs: 2000,
    timeoutMs: 30 * 60_000,
    onUpdate: (v) => {
      setStatus(v);
      if (v && since && v.checkedAt >= since) setMessage('verifyDone');
    },
  });
  const verify = async () => {
    setError(null);
    try {
      const r = await api.post<{ status: 'started' | 'already-running'; requestedAt: string }>('archive/integrity/verify');
      setSince(r.body.requestedAt);
      setMessage(r.body.status === 'started' ? 'verifyStarted' : 'verifyAlready');
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    if (since) void poll.start();
    // poll.start is stable; a new request restarts the follow.
  }, [since]);
  if (status === undefined && !error) return <LoadingState />;
  const state = !status ? 'never' : status.status === 'ok' ? 'ok' : 'problems';
  const text = !status
    ? t('integrityNever')
    : status.status === 'ok'
      ? [t('integrityOk', { verified: status.daysVerified, sealed: status.daysSealed, at: i18n.dateTime(status.checkedAt) }), status.oldestVerdictAt ? t('integrityCycle', { oldest: i18n.date(status.oldestVerdictAt) }) : ''].filter(Boolean).join(' ')
      : t('integrityMismatch', { count: status.problemCount, at: i18n.dateTime(status.checkedAt) });
  return (
    <>
      <div className={s.integrity}>
        <Badge id="integrity-state" size="large" appearance="filled" color={state === 'ok' ? 'success' : state === 'problems' ? 'danger' : 'informative'}>
          {t(state === 'ok' ? 'integrityStateOk' : state === 'problems' ? 'integrityStateProblems' : 'integrityStateNever')}
        </Badge>
        <Text id="integrity-status" role="status" weight={state === 'problems' ? 'semibold' : 'regular'}>
          {text}
        </Text>
      </div>
      {state === 'problems' && status?.problems?.length ? (
        <ul id="integrity-problems">
          {status.problems.slice(0, 20).map((p, i) => (
            <li key={`${p.day}-${p.kind}-${p.entryId ?? i}`}>{t('integrityProblem', { day: p.day, kind: i18n.label('problemKind_', p.kind), entry: p.entryId ?? t('dash') })}</li>
          ))}
        </ul>
      ) : null}
      {status?.searchDrift ? (
        <p id="search-drift">
          {status.searchDrift.mailboxes.length
            ? t('searchDrift', { count: status.searchDrift.mailboxes.length, at: i18n.dateTime(status.searchDrift.checkedAt) })
            : t('searchInStep', { at: i18n.dateTime(status.searchDrift.checkedAt) })}
        </p>
      ) : null}
      <div className={s.row}>
        <Button id="verify-now" appearance="primary" disabled={poll.running} onClick={() => void verify()}>
          {t('verifyNow')}
        </Button>
        {poll.running ? <LoadingState label={t('verifyRunning')} /> : null}
      </div>
      {message && !poll.running ? <Notice intent={message === 'verifyDone' ? 'success' : 'info'}>{t(message)}</Notice> : null}
      {error || poll.error ? <ErrorState error={error ?? poll.error} /> : null}
    </>
  );
}

function Holds() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const [holds, setHolds] = useState<Hold[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<Said | null>(null);
  const [matter, setMatter] = useState('');
  const [mailboxes, setMailboxes] = useState<MailboxChoice[]>([]);
  const [participants, setParticipants] = useState('');
  const [releasing, setReleasing] = useState<Hold | null>(null);
  const schema = useMemo(
    () =>
      z.object({
        matter: z.string().trim().min(3).max(200),
        mailboxes: z.array(z.string()).min(1, { message: t('holdMailboxesHint') }),
        participants: z.array(z.email()).max(100),
      }),
    [t],
  );
  const form = useZodForm(schema);
  const load = useCallback(() => {
    api.get<{ items: Hold[] }>('archive/holds').then((r) => setHolds(r.items), setError);
  }, [api]);
  useEffect(load, [load]);
  // A hold being applied in the background: follow its progress until every hold is done.
  const applying = holds?.some((h) => h.applyStatus === 'queued' || h.applyStatus === 'running') ?? false;
  useEffect(() => {
    if (!applying) return;
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, [applying, load]);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    const body = form.validate({
      matter,
      mailboxes: mailboxes.map((m) => m.mailboxId),
      participants: participants.split(',').map((p) => p.trim()).filter(Boolean),
    });
    if (!body) return;
    try {
      const r = await api.post<Hold>('archive/holds', body);
      setNotice(r.body.applyStatus === 'queued' || r.body.applyStatus === 'running' ? { key: 'holdQueued', params: { matter: r.body.matter } } : { key: 'holdCreated', params: { matter: r.body.matter, count: r.body.appliedCount } });
      setMatter('');
      setMailboxes([]);
      setParticipants('');
      load();
    } catch (err) {
      setNotice({ error: err });
    }
  };
  const release = async (hold: Hold) => {
    setReleasing(null);
    try {
      await api.post(`archive/holds/${hold.id}/release`);
      setNotice({ key: 'holdReleased' });
      load();
    } catch (err) {
      setNotice({ error: err });
    }
  };
  const columns: Column<Hold>[] = [
    { id: 'matter', header: t('colMatter'), render: (h) => h.matter, sortValue: (h) => h.matter },
    { id: 'mailboxes', header: t('colMailboxes'), render: (h) => h.mailboxes.map(mailboxName).join(', ') },
    { id: 'status', header: t('colStatus'), render: (h) => i18n.label('holdStatus_', h.status), sortValue: (h) => h.status },
    { id: 'created', header: t('colCreated'), render: (h) => i18n.dateTime(h.createdAt), sortValue: (h) => h.createdAt },
    {
      id: 'applied',
      header: t('colApplied'),
      // While its job tags the entries, the count grows: say so, and that it is not final.
      render: (h) =>
        h.applyStatus === 'queued' || h.applyStatus === 'running'
          ? t('holdApplying', { count: i18n.number(h.appliedCount) })
          : h.applyStatus === 'failed'
            ? t('holdApplyFailed')
            : i18n.number(h.appliedCount),
      sortValue: (h) => h.appliedCount,
    },
    {
      id: 'actions',
      header: t('colActions'),
      render: (h) =>
        h.status === 'active' ? (
          <Button size="small" aria-label={`${t('holdRelease')} : ${h.matter}`} onClick={() => setReleasing(h)}>
            {t('holdRelease')}
          </Button>
        ) : (
          t('dash')
        ),
    },
  ];
  return (
    <>
      {error ? <ErrorState error={error} onRetry={load} /> : holds === null ? <LoadingState /> : <DataTable id="holds-list" label={t('holdsTitle')} columns={columns} items={holds} rowKey={(h) => h.id} empty={t('noHolds')} pageSize={10} />}
      <form id="hold-form" onSubmit={(e) => void create(e)} noValidate>
        <div className={s.row}>
          <Field className={s.grow} label={t('holdMatter')} validationMessage={form.errors.matter} required>
            <Input id="h-matter" value={matter} onChange={(_, d) => setMatter(d.value)} />
          </Field>
          <div className={s.grow}>
            <MailboxPicker
              id="h-mailbox"
              label={t('holdMailboxes')}
              hint={form.errors.mailboxes ?? t('holdMailboxesHint')}
              value={null}
              clearOnSelect
              onChange={(m) => m && setMailboxes((p) => (p.some((x) => x.mailboxId === m.mailboxId) ? p : [...p, m]))}
            />
          </div>
          <Field className={s.grow} label={t('holdParticipants')} validationMessage={form.errors['participants.0'] ?? form.errors.participants}>
            <Input id="h-participants" value={participants} onChange={(_, d) => setParticipants(d.value)} />
          </Field>
        </div>
        {mailboxes.length ? (
          <TagGroup aria-label={t('holdMailboxes')} onDismiss={(_, d) => setMailboxes((p) => p.filter((m) => m.mailboxId !== d.value))}>
            {mailboxes.map((m) => (
              <Tag key={m.mailboxId} value={m.mailboxId} dismissible dismissIcon={{ 'aria-label': t('holdRemoveMailbox', { name: m.displayName }) }}>
                {m.displayName}
              </Tag>
            ))}
          </TagGroup>
        ) : null}
        <div className={s.row}>
          <Button appearance="primary" type="submit">
            {t('holdCreate')}
          </Button>
        </div>
      </form>
      {notice ? <Notice intent="info">{say(notice)}</Notice> : null}
      <ConfirmDialog
        open={releasing !== null}
        title={t('holdReleaseTitle', { matter: releasing?.matter ?? '' })}
        confirmLabel={t('holdRelease')}
        onCancel={() => setReleasing(null)}
        onConfirm={() => releasing && void release(releasing)}
      >
        {t('holdReleaseText')}
      </ConfirmDialog>
    </>
  );
}

function Exports({ filter }: { filter: SearchFilter }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const [items, setItems] = useState<ExportRecord[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<Said | null>(null);
  const [matter, setMatter] = useState('');
  const [format, setFormat] = useState<'zip' | 'mbox'>('zip');
  const [confirming, setConfirming] = useState<number | null>(null);
  const [counting, setCounting] = useState(false);
  const schema = useMemo(() => z.object({ matter: z.string().trim().min(3).max(200), format: z.enum(['zip', 'mbox']) }), []);
  const form = useZodForm(schema);
  const put = useCallback((x: ExportRecord) => setItems((prev) => [x, ...(prev ?? []).filter((p) => p.id !== x.id)].sort((a, b) => b.createdAt.localeCompare(a.createdAt))), []);
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  // An export is built in the background: followed until it is ready (then its links come) or failed.
  const follow = useCallback(
    (id: string) =>
      pollUntil(() => api.get<ExportRecord>(`archive/exports/${id}`), (x) => x.status !== 'queued' && x.status !== 'running', {
        intervalMs: 2000,
        timeoutMs: 10 * 60_000,
        onUpdate: put,
        cancelled: () => !alive.current,
      }),
    [api, put],
  );
  useEffect(() => {
    api.get<{ items: ExportRecord[] }>('archive/exports').then((r) => {
      setItems(r.items);
      for (const x of r.items) if (x.status === 'queued' || x.status === 'running') void follow(x.id).catch(() => undefined);
    }, setError);
  }, [api, follow]);
  const filterNames = Object.keys(filter).map((k) => i18n.label('filter_', k));
  const send = async () => {
    setConfirming(null);
    const body = form.validate({ matter, format });
    if (!body) return;
    try {
      const r = await api.post<ExportRecord>('archive/exports', { ...body, filter });
      put(r.body);
      setMatter('');
      void follow(r.body.id).catch((e) => setNotice({ error: e }));
    } catch (e) {
      setNotice({ error: e });
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    if (!form.validate({ matter, format })) return;
    if (Object.keys(filter).length) return void send();
    // No criterion: every message of every mailbox. Counted first, and confirmed with that number.
    setCounting(true);
    try {
      const { body: r } = await api.post<{ count: number }>('archive/message-count', {});
      setConfirming(r.count);
    } catch (err) {
      setNotice({ error: err });
    } finally {
      setCounting(false);
    }
  };
  const statusText = (x: ExportRecord) => {
    switch (x.status) {
      case 'queued':
        return t('exportQueued');
      case 'running':
        return t('exportRunning', { count: x.count });
      case 'completed':
        return t('exportCompleted', { count: x.count });
      case 'failed':
        return t('exportFailed', { failure: x.failure ? i18n.label('failure_', x.failure) : t('failure_error') });
      default:
        return t('exportExpired');
    }
  };
  const columns: Column<ExportRecord>[] = [
    { id: 'matter', header: t('colMatter'), render: (x) => x.matter, sortValue: (x) => x.matter },
    { id: 'format', header: t('colFormat'), render: (x) => x.format },
    { id: 'requested', header: t('colRequested'), render: (x) => i18n.dateTime(x.createdAt), sortValue: (x) => x.createdAt },
    { id: 'status', header: t('colStatus'), render: (x) => statusText(x), sortValue: (x) => x.status },
    {
      id: 'file',
      header: t('colFile'),
      render: (x) =>
        x.url ? (
          <span>
            <Link href={x.url} rel="noopener">
              {t('exportLink')}
            </Link>
            {' · '}
            <Link href={x.manifestUrl} rel="noopener">
              {t('exportManifest')}
            </Link>
          </span>
        ) : x.status === 'completed' ? (
          // Links are short-lived and each one is audited: made on request only.
          <Button size="small" onClick={() => void api.get<ExportRecord>(`archive/exports/${x.id}`).then(put, (e) => setNotice({ error: e }))}>
            {t('exportGetLink')}
          </Button>
        ) : (
          t('dash')
        ),
    },
  ];
  return (
    <>
      <form id="export-form" onSubmit={(e) => void submit(e)} noValidate>
        <Text id="export-scope">{t('exportScope', { filters: filterNames.length ? i18n.list(filterNames) : t('exportNoFilter') })}</Text>
        <div className={s.row}>
          <Field className={s.grow} label={t('exportMatter')} validationMessage={form.errors.matter} required>
            <Input id="e-matter" value={matter} onChange={(_, d) => setMatter(d.value)} />
          </Field>
          <Field label={t('exportFormat')}>
            <Select id="e-format" value={format} onChange={(_, d) => setFormat(d.value as 'zip' | 'mbox')}>
              <option value="zip">{t('exportFormatZip')}</option>
              <option value="mbox">{t('exportFormatMbox')}</option>
            </Select>
          </Field>
          <Button appearance="primary" type="submit" disabled={counting}>
            {t('exportCreate')}
          </Button>
          {counting ? <LoadingState label={t('exportCounting')} /> : null}
        </div>
      </form>
      {notice ? <Notice intent="warning">{say(notice)}</Notice> : null}
      <Text size={200}>{t('exportLinkNote')}</Text>
      {error ? <ErrorState error={error} /> : items === null ? <LoadingState /> : <DataTable id="exports-list" label={t('exportsTitle')} columns={columns} items={items} rowKey={(x) => x.id} empty={t('noExports')} pageSize={10} />}
      <ConfirmDialog
        open={confirming !== null}
        title={t('exportConfirmTitle')}
        confirmLabel={t('exportConfirmLarge', { count: confirming ?? 0 })}
        onCancel={() => setConfirming(null)}
        onConfirm={() => void send()}
      >
        <span id="export-confirm-text">{t('exportConfirmText', { count: confirming ?? 0 })}</span>
      </ConfirmDialog>
    </>
  );
}

interface RuleName {
  id: string;
  title: Record<'fr-CA' | 'en', string>;
}

interface ReassignState {
  id: string;
  status: 'running' | 'completed' | 'failed';
  result?: { reassigned: number; keptLongerCount: number };
}

/**
 * Re-assigns a mailbox's entries captured under the wrong retention rule (background job, audited);
 * asks first, saying that a longer WORM policy already on the content is kept.
 */
function Reassign() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const [rules, setRules] = useState<RuleName[]>([]);
  const [mailbox, setMailbox] = useState<MailboxChoice | null>(null);
  const [ruleId, setRuleId] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<Said | null>(null);
  const [mailboxError, setMailboxError] = useState<string | undefined>(undefined);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    api.get<{ items: RuleName[] }>('archive/retention-rule-names').then((r) => setRules(r.items), () => setRules([]));
    return () => {
      alive.current = false;
    };
  }, [api]);
  const ruleTitle = (id: string) => rules.find((r) => r.id === id)?.title[i18n.language === 'en' ? 'en' : 'fr-CA'] ?? id;
  const ask = (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    if (!mailbox) {
      setMailboxError(t('reassignMailboxHint'));
      return;
    }
    setMailboxError(undefined);
    setConfirming(true);
  };
  const send = async () => {
    setConfirming(false);
    if (!mailbox) return;
    try {
      const r = await api.post<ReassignState>('archive/retention/reassignments', { mailboxId: mailbox.mailboxId, ...(ruleId ? { ruleId } : {}) });
      setNotice({ key: 'reassignStarted' });
      const last = await pollUntil(() => api.get<ReassignState>(`archive/retention/reassignments/${r.body.id}`), (x) => x.status !== 'running', {
        intervalMs: 2000,
        timeoutMs: 30 * 60_000,
        cancelled: () => !alive.current,
      });
      if (!alive.current || !last) return;
      if (last.status === 'completed' && last.result) setNotice({ key: 'reassignDone', params: { count: last.result.reassigned, kept: last.result.keptLongerCount } });
      else if (last.status === 'failed') setNotice({ key: 'reassignFailed' });
    } catch (err) {
      setNotice({ error: err });
    }
  };
  return (
    <>
      <Text>{t('reassignIntro')}</Text>
      <form id="reassign-form" onSubmit={ask} noValidate>
        <div className={s.row}>
          <div className={s.grow}>
            <MailboxPicker id="r-mailbox" label={t('reassignMailbox')} hint={mailboxError ?? t('reassignMailboxHint')} value={mailbox} onChange={setMailbox} />
          </div>
          <Field className={s.grow} label={t('reassignRule')}>
            <Select id="r-rule" value={ruleId} onChange={(_, d) => setRuleId(d.value)}>
              <option value="">{t('reassignRuleCalendar')}</option>
              {rules.map((r) => (
                <option key={r.id} value={r.id}>
                  {ruleTitle(r.id)}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <div className={s.row}>
          <Button appearance="primary" type="submit">
            {t('reassignSubmit')}
          </Button>
        </div>
      </form>
      {notice ? <Notice intent="info">{say(notice)}</Notice> : null}
      <ConfirmDialog
        open={confirming}
        title={t('reassignConfirmTitle')}
        confirmLabel={t('reassignSubmit')}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void send()}
      >
        <span id="reassign-confirm-text">{t('reassignConfirmText', { name: mailbox?.displayName ?? '', rule: ruleId ? ruleTitle(ruleId) : t('reassignRuleCalendar') })}</span>
      </ConfirmDialog>
    </>
  );
}

const CAPTURE_MODE_LABEL = { listening: 'captureModeListening', polling: 'captureModePolling', repairing: 'captureModeRepairing' } as const;

/** A mailbox whose last run failed or left messages behind (not merely lagging behind new mail). */
function isFailing(m: MailboxCompleteness): boolean {
  return m.failedMessages.length > 0 || m.lastOutcome === 'failed';
}

function Completeness() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const [rows, setRows] = useState<MailboxCompleteness[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    api.get<{ mailboxes: MailboxCompleteness[] }>('archive/completeness').then((r) => setRows(r.mailboxes), setError);
  }, [api]);
  useEffect(load, [load]);
  if (error) return <ErrorState error={error} onRetry={load} />;
  if (!rows) return <LoadingState />;
  const name = (m: MailboxCompleteness) => m.displayName ?? mailboxName(m.mailboxId);
  const columns: Column<MailboxCompleteness>[] = [
    {
      id: 'mailbox',
      header: t('colMailbox'),
      render: (m) =>
        isFailing(m) ? (
          <span className={s.failing} data-failing="true">
            {t('completenessFailingName', { name: name(m) })}
          </span>
        ) : (
          name(m)
        ),
      sortValue: name,
    },
    { id: 'archived', header: t('colArchived'), render: (m) => `${i18n.number(m.archived)} / ${i18n.number(m.totalItemCount)}`, sortValue: (m) => m.archived },
    { id: 'gaps', header: t('colGaps'), render: (m) => (m.gaps.length ? m.gaps.map((g) => t('gapItem', { folder: g.folderPath, missing: g.missing })).join(', ') : t('dash')) },
    { id: 'lag', header: t('colLag'), render: (m) => (m.lagSeconds === null ? t('dash') : t('lagMinutes', { minutes: Math.round(m.lagSeconds / 60) })), sortValue: (m) => m.lagSeconds },
    {
      id: 'mode',
      header: t('colCaptureMode'),
      render: (m) => (m.captureMode ? <span data-capture-mode={m.captureMode}>{t(CAPTURE_MODE_LABEL[m.captureMode])}</span> : t('dash')),
      sortValue: (m) => m.captureMode ?? '',
    },
    { id: 'success', header: t('colLastSuccess'), render: (m) => i18n.dateTime(m.lastSuccessAt), sortValue: (m) => m.lastSuccessAt },
    { id: 'complete', header: t('colComplete'), render: (m) => (m.complete ? t('yes') : isFailing(m) ? <span className={s.failing}>{t('completenessFailed')}</span> : t('no')) },
    {
      id: 'failures',
      header: t('colFailedMessages'),
      render: (m) =>
        m.failedMessages.length ? (
          <ul className={s.failures}>
            {m.failedMessages.slice(0, 5).map((f) => (
              <li key={f.messageId}>
                {t('failedMessageItem', { code: f.code })} <code className={s.messageId}>{f.messageId}</code>
              </li>
            ))}
            {m.failedMessages.length > 5 ? <li>{t('failedMessagesMore', { count: m.failedMessages.length - 5 })}</li> : null}
          </ul>
        ) : (
          t('dash')
        ),
    },
  ];
  return (
    <>
      {rows.length ? (
        <BarChart
          title={t('completenessChart')}
          bars={rows.slice(0, 30).map((m) => ({
            key: m.mailboxId,
            label: name(m),
            value: m.archived,
            max: m.totalItemCount,
            warn: !m.complete,
            summary: t('completenessChartSummary', { name: name(m), archived: m.archived, total: m.totalItemCount }),
          }))}
        />
      ) : null}
      <DataTable id="completeness" label={t('completenessTitle')} columns={columns} items={rows} rowKey={(m) => m.mailboxId} empty={t('completenessNone')} pageSize={20} />
    </>
  );
}

function Audit() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const today = new Date().toISOString().slice(0, 10);
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  const [from, setFrom] = useState(weekAgo);
  const [to, setTo] = useState(today);
  const [action, setAction] = useState('');
  const [items, setItems] = useState<AuditRecord[] | null>(null);
  const [continuation, setContinuation] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const schema = useMemo(() => z.object({ from: z.iso.date(), to: z.iso.date() }).refine((v) => v.from <= v.to, { message: t('dateOrder'), path: ['to'] }), [t]);
  const form = useZodForm(schema);
  const run = async (after: string | null) => {
    const valid = form.validate({ from, to });
    if (!valid) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.get<{ items: AuditRecord[]; continuation: string | null }>('archive/audit', {
        from: new Date(`${valid.from}T00:00:00`).toISOString(),
        to: new Date(`${valid.to}T23:59:59.999`).toISOString(),
        action: action || undefined,
        pageSize: '50',
        continuation: after ?? undefined,
      });
      setItems((p) => (after && p ? [...p, ...r.items] : r.items));
      setContinuation(r.continuation);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const target = (a: AuditRecord) => {
    const parts: string[] = [];
    if (a.target.mailboxId) parts.push(t('targetMailbox', { name: mailboxName(a.target.mailboxId) }));
    if (a.target.filters?.length) parts.push(t('targetFilters', { filters: i18n.list(a.target.filters.map((f) => i18n.label('filter_', f))) }));
    if (a.target.resultCount !== undefined) parts.push(t('targetResults', { count: a.target.resultCount }));
    return parts.join(' ; ') || t('dash');
  };
  const actor = (a: AuditRecord) => (a.actorKind === 'system' ? t('actorSystem') : mailboxName(a.actor));
  const columns: Column<AuditRecord>[] = [
    { id: 'at', header: t('colAt'), render: (a) => i18n.dateTime(a.at), sortValue: (a) => a.at },
    { id: 'actor', header: t('colActor'), render: actor, sortValue: actor },
    { id: 'action', header: t('colAction'), render: (a) => i18n.label('action_', a.action), sortValue: (a) => i18n.label('action_', a.action) },
    { id: 'outcome', header: t('colOutcome'), render: (a) => i18n.label('outcome_', a.outcome) },
    { id: 'target', header: t('colTarget'), render: target },
  ];
  return (
    <>
      <form
        id="audit-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run(null);
        }}
      >
        <div className={s.row}>
          <Field label={t('auditFrom')} validationMessage={form.errors.from}>
            <Input id="a-from" type="date" value={from} onChange={(_, d) => setFrom(d.value)} />
          </Field>
          <Field label={t('auditTo')} validationMessage={form.errors.to}>
            <Input id="a-to" type="date" value={to} onChange={(_, d) => setTo(d.value)} />
          </Field>
          <Field label={t('auditAction')}>
            <Select id="a-action" value={action} onChange={(_, d) => setAction(d.value)}>
              <option value="">{t('auditAllActions')}</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {i18n.label('action_', a)}
                </option>
              ))}
            </Select>
          </Field>
          <Button type="submit" appearance="primary" disabled={busy}>
            {t('auditSearch')}
          </Button>
        </div>
      </form>
      {error ? <ErrorState error={error} /> : null}
      {items ? <DataTable id="audit-list" label={t('auditTitle')} columns={columns} items={items} rowKey={(a) => a.id} empty={t('noAudit')} onMore={continuation ? () => void run(continuation) : undefined} loadingMore={busy} /> : null}
    </>
  );
}
