import { Badge, Button, Field, Input, Link, Select, Text, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { useMemo, useState, type FormEvent } from 'react';
import * as z from 'zod';
import { ApiError } from '../../api';
import { teamsSubPage } from '../../auth';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable, type Column } from '../../components/DataTable';
import { useZodForm } from '../../components/Form';
import { ErrorState, LoadingState, Notice, useSay, type Said } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n, type I18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { StaffPicker } from './StaffPicker';
import type { RequestForm, RequestLists, RequestView, StaffChoice, Texts } from './types';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '40rem' },
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, alignItems: 'flex-start' },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  purpose: { whiteSpace: 'pre-wrap' },
  // Words that may wrap in a narrow column: the badge grows with them.
  badge: { height: 'auto', minHeight: '20px', whiteSpace: 'normal', textAlign: 'start', paddingTop: tokens.spacingVerticalXXS, paddingBottom: tokens.spacingVerticalXXS },
});

const NAME_FORBIDDEN = /["*:<>?/\\|#%{}~&]/;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

const serviceLabel = (i18n: I18n, names: Texts | null, code: string) => (names ? names[i18n.language] : code);
const personLabel = (i18n: I18n, p: { displayName: string | null }) => p.displayName ?? i18n.t('personUnknown');

/** The request's status in words, and the badge colour that goes with it (never colour alone: the words are there). */
function StatusCell({ request }: { request: RequestView }) {
  const i18n = useI18n();
  const s = useStyles();
  const color = request.status === 'refused' || request.status === 'expired' ? 'danger' : request.status === 'pending' ? 'warning' : 'success';
  return (
    <div className={s.stack}>
      <Badge appearance="tint" color={color} className={s.badge}>
        {i18n.label('reqStatus_', request.status)}
      </Badge>
      {request.status === 'pending' && request.escalated ? <Text size={200}>{i18n.t('reqEscalated')}</Text> : null}
      {request.decision ? (
        <Text size={200}>
          {i18n.t(request.decision.outcome === 'approve' ? 'reqApprovedBy' : 'reqRefusedBy', { name: personLabel(i18n, request.decision.by), date: i18n.date(request.decision.at) })}
        </Text>
      ) : null}
      {request.decision?.reason ? <Text size={200}>{i18n.t('reqReason', { reason: request.decision.reason })}</Text> : null}
      {request.spaceUrl ? (
        <Link href={request.spaceUrl} target="_blank" rel="noreferrer">
          {i18n.t('reqOpenSpace')}
        </Link>
      ) : null}
    </div>
  );
}

/**
 * Project space requests (GET/POST /api/collaboration/requests): the request form, one's own
 * requests with their status in words, and, for those who decide (the service's managers, the
 * direction once a request waited 5 business days, IT administration), approve or refuse with a
 * confirmation; a refusal needs its reason. A notification's link (?request=<id>) is shown first.
 */
export function RequestsTab() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const [version, setVersion] = useState(0);
  const lists = useLoad(
    () => api.get<RequestLists>('collaboration/requests'),
    (r): Said => ({ key: 'reqLoaded', params: { mine: r.mine.length, toDecide: r.toDecide.length } }),
    [api, version],
  );
  const form = useLoad(() => api.get<RequestForm>('collaboration/request-form'), () => ({ key: 'reqFormReady' }), [api]);
  const services = useMemo(() => new Map((form.value?.services ?? []).map((x) => [x.code, x.names])), [form.value]);
  // A notification's link: ?request=<id> in a browser, the deep link's sub-entity in Teams.
  const subPage = teamsSubPage();
  const linked = new URLSearchParams(location.search).get('request') ?? (subPage?.startsWith('request:') ? subPage.slice('request:'.length) : null);

  // --- The form ---
  const [name, setName] = useState('');
  const [purpose, setPurpose] = useState('');
  const [serviceCode, setServiceCode] = useState('');
  const [members, setMembers] = useState<StaffChoice[]>([]);
  const [endDate, setEndDate] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [submitted, setSubmitted] = useState<string | null>(null);
  const schema = useMemo(
    () =>
      z.object({
        name: z
          .string()
          .trim()
          .min(3, t('reqNameLength'))
          .max(80, t('reqNameLength'))
          .refine((v) => !NAME_FORBIDDEN.test(v) && !/^[.]|[.]$/.test(v), t('reqNameCharacters')),
        purpose: z.string().trim().max(500, t('reqPurposeLength')),
        serviceCode: z.string().min(1, t('reqServiceRequired')),
        memberIds: z.array(z.string()).max(100),
        endDate: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, t('reqEndDateRequired'))
          .refine((d) => d > day(0), t('reqEndDateFuture'))
          .refine((d) => d <= day(365 * 3), t('reqEndDateFar')),
      }),
    [t],
  );
  const { errors, validate, reset } = useZodForm(schema);
  // The server's own field messages (a member who left meanwhile...), in the language on screen.
  const serverField = (field: string) => {
    if (!(submitError instanceof ApiError)) return undefined;
    return submitError.fields.find((f) => f.field === `body.${field}`)?.messages[i18n.language];
  };
  const fieldError = (field: string) => errors[field] ?? serverField(field);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(null);
    setSubmitError(null);
    const values = validate({ name, purpose, serviceCode, memberIds: members.map((m) => m.id), endDate });
    if (!values) return;
    setSubmitting(true);
    try {
      await api.post<RequestView>('collaboration/requests', values);
      setSubmitted(values.name);
      setName('');
      setPurpose('');
      setServiceCode('');
      setMembers([]);
      setEndDate('');
      reset();
      setVersion((v) => v + 1);
    } catch (error) {
      setSubmitError(error);
    } finally {
      setSubmitting(false);
    }
  };

  // --- Deciding ---
  const [approving, setApproving] = useState<RequestView | null>(null);
  const [refusing, setRefusing] = useState<RequestView | null>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>(undefined);
  const [deciding, setDeciding] = useState<string | null>(null);
  const [decided, setDecided] = useState<{ intent: 'success' | 'error'; said: Said } | null>(null);

  const decide = async (request: RequestView, decision: 'approve' | 'refuse', why?: string) => {
    setDeciding(request.id);
    setDecided(null);
    try {
      await api.post(`collaboration/requests/${encodeURIComponent(request.id)}/decision`, decision === 'approve' ? { decision } : { decision, reason: why });
      setDecided({ intent: 'success', said: { key: decision === 'approve' ? 'reqApproved' : 'reqRefused', params: { name: request.name } } });
      setVersion((v) => v + 1);
    } catch (error) {
      setDecided({ intent: 'error', said: { key: 'reqDecisionFailed', params: { name: request.name }, error } });
      if (error instanceof ApiError && error.status === 409) setVersion((v) => v + 1);
    } finally {
      setDeciding(null);
    }
  };

  const mineColumns: Column<RequestView>[] = [
    { id: 'name', header: t('colProject'), render: (r) => <Text weight="semibold">{r.name}</Text>, sortValue: (r) => r.name },
    { id: 'service', header: t('colService'), render: (r) => serviceLabel(i18n, r.service.names, r.service.code), sortValue: (r) => serviceLabel(i18n, r.service.names, r.service.code) },
    { id: 'status', header: t('colRequestStatus'), render: (r) => <StatusCell request={r} />, sortValue: (r) => i18n.label('reqStatus_', r.status) },
    { id: 'end', header: t('colEndDate'), render: (r) => i18n.date(r.endDate), sortValue: (r) => r.endDate },
    { id: 'created', header: t('colRequestedOn'), render: (r) => i18n.date(r.createdAt), sortValue: (r) => r.createdAt },
  ];
  const decideColumns: Column<RequestView>[] = [
    {
      id: 'name',
      header: t('colProject'),
      render: (r) => (
        <div className={s.stack}>
          <Text weight="semibold">{r.name}</Text>
          {r.purpose ? <Text className={s.purpose}>{r.purpose}</Text> : null}
        </div>
      ),
      sortValue: (r) => r.name,
    },
    { id: 'requester', header: t('colRequester'), render: (r) => personLabel(i18n, r.requester), sortValue: (r) => personLabel(i18n, r.requester) },
    { id: 'service', header: t('colService'), render: (r) => serviceLabel(i18n, r.service.names, r.service.code) },
    { id: 'members', header: t('colMembers'), render: (r) => (r.members.length ? i18n.list(r.members.map((m) => personLabel(i18n, m))) : t('dash')) },
    { id: 'end', header: t('colEndDate'), render: (r) => i18n.date(r.endDate), sortValue: (r) => r.endDate },
    { id: 'status', header: t('colRequestStatus'), render: (r) => <StatusCell request={r} /> },
    {
      id: 'actions',
      header: t('colActions'),
      render: (r) =>
        r.canDecide ? (
          <div className={s.actions}>
            <Button appearance="primary" size="small" disabled={deciding !== null} aria-label={t('reqApproveLabel', { name: r.name })} onClick={() => setApproving(r)}>
              {t('reqApprove')}
            </Button>
            <Button size="small" disabled={deciding !== null} aria-label={t('reqRefuseLabel', { name: r.name })} onClick={() => {
              setReason('');
              setReasonError(undefined);
              setRefusing(r);
            }}>
              {t('reqRefuse')}
            </Button>
          </div>
        ) : (
          t('dash')
        ),
    },
  ];

  const all = [...(lists.value?.toDecide ?? []), ...(lists.value?.mine ?? [])];
  const opened = linked ? all.find((r) => r.id === linked) : undefined;

  return (
    <div>
      <p id="requests-status" className={s.status} role="status" aria-live="polite">
        {lists.status ? say(lists.status) : ''}
      </p>
      {lists.error ? <ErrorState error={lists.error} onRetry={lists.retry} /> : null}
      {decided ? (
        <Notice intent={decided.intent} id="requests-notice">
          {say(decided.said)}
        </Notice>
      ) : null}

      {opened ? (
        <section className={s.section} aria-labelledby="request-opened-title" id="request-opened">
          <h3 id="request-opened-title" className={s.h3}>
            {t('reqOpenedTitle', { name: opened.name })}
          </h3>
          <Text>{t('reqOpenedBy', { name: personLabel(i18n, opened.requester), service: serviceLabel(i18n, opened.service.names, opened.service.code), date: i18n.date(opened.endDate) })}</Text>
          {opened.purpose ? <Text className={s.purpose}>{opened.purpose}</Text> : null}
          <StatusCell request={opened} />
        </section>
      ) : linked && lists.value ? (
        <Notice intent="warning" id="request-not-found">
          {t('reqLinkedNotFound')}
        </Notice>
      ) : null}

      {lists.value && lists.value.toDecide.length > 0 ? (
        <section className={s.section} aria-labelledby="to-decide-title">
          <h3 id="to-decide-title" className={s.h3}>
            {t('reqToDecideTitle')}
          </h3>
          <DataTable id="to-decide-table" label={t('reqToDecideTitle')} columns={decideColumns} items={lists.value.toDecide} rowKey={(r) => r.id} empty={t('reqToDecideNone')} />
        </section>
      ) : null}

      <section className={s.section} aria-labelledby="request-form-title">
        <h3 id="request-form-title" className={s.h3}>
          {t('reqFormTitle')}
        </h3>
        <Text>{t('reqFormIntro')}</Text>
        {form.error ? <ErrorState error={form.error} onRetry={form.retry} /> : null}
        {!form.value && !form.error ? <LoadingState /> : null}
        {form.value ? (
          <form className={s.form} noValidate onSubmit={(e) => void submit(e)} id="request-form">
            <Field label={t('fProjectName')} hint={t('fProjectNameHint')} validationMessage={fieldError('name')} validationState={fieldError('name') ? 'error' : 'none'} required>
              <Input id="request-name" value={name} maxLength={80} onChange={(_, d) => setName(d.value)} />
            </Field>
            <Field label={t('fPurpose')} hint={t('fPurposeHint')} validationMessage={fieldError('purpose')} validationState={fieldError('purpose') ? 'error' : 'none'}>
              <Textarea id="request-purpose" value={purpose} maxLength={500} resize="vertical" onChange={(_, d) => setPurpose(d.value)} />
            </Field>
            <Field label={t('fRequestService')} validationMessage={fieldError('serviceCode')} validationState={fieldError('serviceCode') ? 'error' : 'none'} required>
              <Select id="request-service" value={serviceCode} onChange={(_, d) => setServiceCode(d.value)}>
                <option value="">{t('chooseService')}</option>
                {form.value.services.map((x) => (
                  <option key={x.code} value={x.code}>
                    {x.names[i18n.language]}
                  </option>
                ))}
              </Select>
            </Field>
            <StaffPicker id="request-members" label={t('fMembers')} hint={t('fMembersHint')} staff={form.value.staff} services={services} value={members} onChange={setMembers} error={fieldError('memberIds')} />
            <Field label={t('fEndDate')} hint={t('fEndDateHint')} validationMessage={fieldError('endDate')} validationState={fieldError('endDate') ? 'error' : 'none'} required>
              <Input id="request-end-date" type="date" min={day(1)} max={day(365 * 3)} value={endDate} onChange={(_, d) => setEndDate(d.value)} />
            </Field>
            {submitError ? <ErrorState error={submitError} /> : null}
            {submitted ? (
              <Notice intent="success" id="request-submitted">
                {t('reqSubmitted', { name: submitted })}
              </Notice>
            ) : null}
            <div>
              <Button type="submit" appearance="primary" id="request-submit" disabled={submitting}>
                {submitting ? t('working') : t('reqSubmit')}
              </Button>
            </div>
          </form>
        ) : null}
      </section>

      <section className={s.section} aria-labelledby="my-requests-title">
        <h3 id="my-requests-title" className={s.h3}>
          {t('reqMineTitle')}
        </h3>
        {lists.value ? (
          <DataTable id="my-requests-table" label={t('reqMineTitle')} columns={mineColumns} items={lists.value.mine} rowKey={(r) => r.id} empty={t('reqMineNone')} emptyHint={t('reqMineNoneHint')} />
        ) : !lists.error ? (
          <LoadingState />
        ) : null}
      </section>

      <ConfirmDialog
        open={approving !== null}
        title={t('reqApproveTitle')}
        confirmLabel={t('reqApproveConfirm')}
        onConfirm={() => {
          const r = approving;
          setApproving(null);
          if (r) void decide(r, 'approve');
        }}
        onCancel={() => setApproving(null)}
      >
        {approving ? t('reqApproveText', { name: approving.name, requester: personLabel(i18n, approving.requester) }) : null}
      </ConfirmDialog>
      <ConfirmDialog
        open={refusing !== null}
        title={t('reqRefuseTitle')}
        confirmLabel={t('reqRefuseConfirm')}
        onConfirm={() => {
          if (!refusing) return;
          if (reason.trim().length < 3) {
            setReasonError(t('reqReasonRequired'));
            return;
          }
          const r = refusing;
          setRefusing(null);
          void decide(r, 'refuse', reason.trim());
        }}
        onCancel={() => setRefusing(null)}
      >
        {refusing ? (
          <div className={s.form}>
            <Text>{t('reqRefuseText', { name: refusing.name, requester: personLabel(i18n, refusing.requester) })}</Text>
            <Field label={t('fReasonRefuse')} hint={t('fReasonRefuseHint')} validationMessage={reasonError} validationState={reasonError ? 'error' : 'none'} required>
              <Textarea id="refuse-reason" value={reason} maxLength={500} resize="vertical" onChange={(_, d) => setReason(d.value)} />
            </Field>
          </div>
        ) : null}
      </ConfirmDialog>
    </div>
  );
}
