import { Button, Field, Input, Link, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import * as z from 'zod';
import { ApiError } from '../../api';
import { DataTable, type Column } from '../../components/DataTable';
import { useZodForm } from '../../components/Form';
import { useSay, type Said } from '../../components/States';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { base64Bytes, decodeText } from './decode';

/** Shapes of the relay operations' results (shared/relay/contract.ts). */
interface Member { memberNumber: string; firstName: string; lastName: string; employer: string; section: string; status: string }
interface CaseSummary { caseNumber: string; kind: string; title: string; status: string; openedOn: string; closedOn: string | null }
interface CaseEvent { on: string; status: string; note: string }
interface DocumentMetadata { documentId: string; title: string; classification: string; date: string; mediaType: string; sizeBytes: number; restricted: boolean }
type DocumentContent = { kind: 'inline'; base64: string } | { kind: 'link'; url: string };

const useStyles = makeStyles({
  panel: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  fieldset: { border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, borderRadius: tokens.borderRadiusMedium, padding: tokens.spacingHorizontalM, margin: 0 },
  legend: { fontWeight: tokens.fontWeightSemibold, padding: `0 ${tokens.spacingHorizontalXS}` },
  row: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'flex-start' },
  hint: { flexBasis: '100%', color: tokens.colorNeutralForeground2 },
  error: { color: tokens.colorPaletteRedForeground1, fontWeight: tokens.fontWeightSemibold },
  details: { display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalL}`, '& dt': { fontWeight: tokens.fontWeightSemibold }, '& dd': { margin: 0 } },
});

type Status = Said | null;

/**
 * "Systèmes sur site": members and their cases in the mission system, documents of the legacy
 * archive, through POST /api/relay/{operation}; a 202 is followed on its status address. The API
 * and the on-premises agent decide what each person may see; this page shows it.
 */
export default function RelayPage() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();

  async function relay<T>(operation: string, params: unknown, onWaiting: () => void): Promise<T> {
    const first = await api.post<{ status?: string; requestId: string; result: T }>(`relay/${operation}`, params);
    if (first.body.status !== 'pending') return first.body.result;
    const started = Date.now();
    for (;;) {
      onWaiting();
      await new Promise((r) => setTimeout(r, 2000));
      const next = await api.get<{ status?: string; result: T }>(`relay/requests/${first.body.requestId}`);
      if (next.status !== 'pending') return next.result;
      if (Date.now() - started > 60_000) throw new Error(t('stillWorking'));
    }
  }

  // ---- Members and cases
  const [number, setNumber] = useState('');
  const [name, setName] = useState('');
  const [membersStatus, setMembersStatus] = useState<Status>(null);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [cases, setCases] = useState<{ member: string; items: CaseSummary[] } | null>(null);
  const [detail, setDetail] = useState<{ case: CaseSummary; history: CaseEvent[] } | null>(null);
  const casesHeading = useRef<HTMLHeadingElement>(null);
  const detailHeading = useRef<HTMLHeadingElement>(null);
  const memberSchema = useMemo(
    () =>
      z
        .object({
          memberNumber: z.union([z.literal(''), z.string().regex(/^M\d{5}$/, { message: t('memberNumberInvalid') })]),
          name: z.union([z.literal(''), z.string().trim().min(2).max(80).regex(/^\p{L}[\p{L} '’-]*$/u, { message: t('memberNameInvalid') })]),
        })
        .refine((v) => v.memberNumber || v.name, { message: t('memberHint'), path: ['memberNumber'] }),
    [t],
  );
  const memberForm = useZodForm(memberSchema);
  // Focus follows what was just opened, once it is on the page (keyboard and screen reader users).
  useEffect(() => casesHeading.current?.focus(), [cases]);
  useEffect(() => detailHeading.current?.focus(), [detail]);
  const working = (set: (s: Status) => void) => () => set({ key: 'stillWorking' });

  const findMember = async (e: FormEvent) => {
    e.preventDefault();
    const valid = memberForm.validate({ memberNumber: number.trim().toUpperCase(), name: name.trim() });
    if (!valid) return;
    setMembersStatus({ key: 'working' });
    setCases(null);
    setDetail(null);
    try {
      const r = await relay<{ members: Member[] }>('lookupMember', valid.memberNumber ? { memberNumber: valid.memberNumber } : { name: valid.name }, working(setMembersStatus));
      setMembers(r.members);
      setMembersStatus(null);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        setMembers([]);
        setMembersStatus(null);
      } else setMembersStatus({ error: err });
    }
  };
  const loadCases = async (m: Member) => {
    setMembersStatus({ key: 'working' });
    setDetail(null);
    try {
      const r = await relay<{ cases: CaseSummary[] }>('listOpenCases', { memberNumber: m.memberNumber }, working(setMembersStatus));
      setCases({ member: `${m.firstName} ${m.lastName}`, items: r.cases });
      setMembersStatus(null);
    } catch (err) {
      setMembersStatus({ error: err });
    }
  };
  const loadCase = async (caseNumber: string) => {
    setMembersStatus({ key: 'working' });
    try {
      const r = await relay<{ case: CaseSummary; history: CaseEvent[] }>('getCase', { caseNumber }, working(setMembersStatus));
      setDetail(r);
      setMembersStatus(null);
    } catch (err) {
      setMembersStatus({ error: err });
    }
  };
  const memberColumns: Column<Member>[] = [
    { id: 'number', header: t('colMember'), render: (m) => m.memberNumber, sortValue: (m) => m.memberNumber },
    { id: 'name', header: t('colName'), render: (m) => `${m.firstName} ${m.lastName}`, sortValue: (m) => `${m.lastName} ${m.firstName}` },
    { id: 'employer', header: t('colEmployer'), render: (m) => m.employer, sortValue: (m) => m.employer },
    { id: 'section', header: t('colSection'), render: (m) => m.section, sortValue: (m) => m.section },
    { id: 'status', header: t('colStatus'), render: (m) => i18n.label('status_', m.status), sortValue: (m) => i18n.label('status_', m.status) },
    {
      id: 'cases',
      header: t('openCases'),
      render: (m) => (
        <Link as="button" aria-label={t('casesOf', { member: `${m.firstName} ${m.lastName}` })} onClick={() => void loadCases(m)}>
          {t('openCases')}
        </Link>
      ),
    },
  ];
  const caseColumns: Column<CaseSummary>[] = [
    {
      id: 'case',
      header: t('colCase'),
      render: (c) => (
        <Link as="button" onClick={() => void loadCase(c.caseNumber)}>
          {c.caseNumber}
        </Link>
      ),
      sortValue: (c) => c.caseNumber,
    },
    { id: 'kind', header: t('colKind'), render: (c) => i18n.label('kind_', c.kind), sortValue: (c) => i18n.label('kind_', c.kind) },
    { id: 'title', header: t('colTitle'), render: (c) => c.title, sortValue: (c) => c.title },
    { id: 'status', header: t('colStatus'), render: (c) => i18n.label('status_', c.status), sortValue: (c) => c.status },
    { id: 'opened', header: t('colOpened'), render: (c) => i18n.date(c.openedOn), sortValue: (c) => c.openedOn },
  ];

  // ---- Legacy archive
  const [words, setWords] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [classification, setClassification] = useState('');
  const [docsStatus, setDocsStatus] = useState<Status>(null);
  const [docs, setDocs] = useState<{ documents: DocumentMetadata[]; total: number; params: Record<string, string> } | null>(null);
  const docsSchema = useMemo(
    () =>
      z
        .object({
          words: z.union([z.literal(''), z.string().trim().min(2).max(100).regex(/^[\p{L}\p{N} '’-]+$/u, { message: t('wordsInvalid') })]),
          from: z.string(),
          to: z.string(),
          classification: z.union([z.literal(''), z.string().regex(/^[A-Z]{3}-\d{2}$/, { message: t('classificationInvalid') })]),
        })
        .refine((v) => v.words || v.from || v.to || v.classification, { message: t('docsHint'), path: ['words'] })
        .refine((v) => !v.from || !v.to || v.from <= v.to, { message: t('dateOrder'), path: ['to'] }),
    [t],
  );
  const docsForm = useZodForm(docsSchema);
  const searchDocs = async (e: FormEvent) => {
    e.preventDefault();
    const valid = docsForm.validate({ words: words.trim(), from, to, classification: classification.trim().toUpperCase() });
    if (!valid) return;
    await runDocs(Object.fromEntries(Object.entries(valid).filter(([, v]) => v)), 20);
  };
  // The agent answers the first `limit` matches and the total; the next page asks for up to its maximum (50).
  const runDocs = async (params: Record<string, string>, limit: number) => {
    setDocsStatus({ key: 'working' });
    try {
      const r = await relay<{ documents: DocumentMetadata[]; total: number }>('searchDocuments', { ...params, limit }, working(setDocsStatus));
      setDocs({ ...r, params });
      setDocsStatus(null);
    } catch (err) {
      setDocsStatus({ error: err });
    }
  };
  const openDocument = async (d: DocumentMetadata) => {
    // Opened before the call so the browser does not treat it as an unrequested pop-up.
    const tab = window.open('', '_blank');
    setDocsStatus({ key: 'working' });
    try {
      const r = await relay<{ document: DocumentMetadata; content: DocumentContent }>('fetchDocument', { documentId: d.documentId }, working(setDocsStatus));
      let url: string;
      if (r.content.kind === 'link') url = r.content.url;
      else {
        const bytes = base64Bytes(r.content.base64);
        const blob = r.document.mediaType.startsWith('text/')
          ? // Decoded with its charset here, and handed over as UTF-8 declared, so accents show right.
            new Blob([decodeText(bytes, r.document.mediaType)], { type: 'text/plain;charset=utf-8' })
          : new Blob([bytes as BlobPart], { type: r.document.mediaType });
        url = URL.createObjectURL(blob);
      }
      if (tab) {
        tab.opener = null;
        tab.location.href = url;
      } else location.assign(url);
      setDocsStatus({ key: 'opened' });
    } catch (err) {
      tab?.close();
      setDocsStatus({ error: err });
    }
  };
  const docTitle = (d: DocumentMetadata) => (d.restricted ? `${d.title} (${t('restricted')})` : d.title);
  const docColumns: Column<DocumentMetadata>[] = [
    { id: 'title', header: t('colDocTitle'), render: docTitle, sortValue: (d) => d.title },
    { id: 'date', header: t('colDocDate'), render: (d) => i18n.date(d.date), sortValue: (d) => d.date },
    { id: 'class', header: t('colClass'), render: (d) => d.classification, sortValue: (d) => d.classification },
    { id: 'type', header: t('colType'), render: (d) => (d.mediaType === 'application/pdf' ? t('docPdf') : t('docText')) },
    { id: 'size', header: t('colSize'), render: (d) => i18n.size(d.sizeBytes), sortValue: (d) => d.sizeBytes },
    {
      id: 'open',
      header: t('openDoc'),
      render: (d) => (
        <Button size="small" aria-label={t('openDocLabel', { title: d.title })} onClick={() => void openDocument(d)}>
          {t('openDoc')}
        </Button>
      ),
    },
  ];

  const statusLine = (id: string, st: Status) => (
    <p id={id} role="status" aria-live="polite" className={st && !('key' in st) ? s.error : undefined}>
      {st ? say(st) : ''}
    </p>
  );

  return (
    <div>
      <h2 id="relay-title">{t('relayTitle')}</h2>
      <section className={s.panel} aria-labelledby="members-title">
        <h3 id="members-title">{t('membersTitle')}</h3>
        <form id="member-form" noValidate onSubmit={(e) => void findMember(e)}>
          <fieldset className={s.fieldset}>
            <legend className={s.legend}>{t('memberLegend')}</legend>
            <div className={s.row}>
              <Field label={t('fMemberNumber')} validationMessage={memberForm.errors.memberNumber}>
                <Input id="m-number" value={number} autoComplete="off" onChange={(_, d) => setNumber(d.value)} />
              </Field>
              <Field label={t('fMemberName')} validationMessage={memberForm.errors.name}>
                <Input id="m-name" value={name} autoComplete="off" onChange={(_, d) => setName(d.value)} />
              </Field>
              <Text className={s.hint}>{t('memberHint')}</Text>
              <Button appearance="primary" type="submit">
                {t('findMember')}
              </Button>
            </div>
          </fieldset>
        </form>
        {statusLine('members-status', membersStatus)}
        <div id="members-results">{members ? <DataTable label={t('membersTitle')} columns={memberColumns} items={members} rowKey={(m) => m.memberNumber} empty={t('noMembers')} pageSize={10} /> : null}</div>
        <div id="cases-results">
          {cases ? (
            <>
              <h4 ref={casesHeading} tabIndex={-1}>
                {t('casesOf', { member: cases.member })}
              </h4>
              <DataTable label={t('casesOf', { member: cases.member })} columns={caseColumns} items={cases.items} rowKey={(c) => c.caseNumber} empty={t('noCases')} />
            </>
          ) : null}
          {detail ? (
            <div id="case-detail">
              <h4 ref={detailHeading} tabIndex={-1}>
                {t('caseTitle', { case: detail.case.caseNumber })}
              </h4>
              <dl className={s.details}>
                <dt>{t('colKind')}</dt>
                <dd>{i18n.label('kind_', detail.case.kind)}</dd>
                <dt>{t('colTitle')}</dt>
                <dd>{detail.case.title}</dd>
                <dt>{t('colStatus')}</dt>
                <dd>{i18n.label('status_', detail.case.status)}</dd>
                <dt>{t('colOpened')}</dt>
                <dd>{i18n.date(detail.case.openedOn)}</dd>
                {detail.case.closedOn ? (
                  <>
                    <dt>{t('closedOn')}</dt>
                    <dd>{i18n.date(detail.case.closedOn)}</dd>
                  </>
                ) : null}
              </dl>
              <h5>{t('history')}</h5>
              <ol>
                {detail.history.map((h, i) => (
                  <li key={i}>{`${i18n.date(h.on)} — ${i18n.label('status_', h.status)} — ${h.note}`}</li>
                ))}
              </ol>
            </div>
          ) : null}
        </div>
      </section>
      <section className={s.panel} aria-labelledby="docs-title">
        <h3 id="docs-title">{t('docsTitle')}</h3>
        <form id="docs-form" noValidate onSubmit={(e) => void searchDocs(e)}>
          <fieldset className={s.fieldset}>
            <legend className={s.legend}>{t('docsLegend')}</legend>
            <div className={s.row}>
              <Field label={t('fWords')} validationMessage={docsForm.errors.words}>
                <Input id="d-words" value={words} onChange={(_, d) => setWords(d.value)} />
              </Field>
              <Field label={t('fDocFrom')}>
                <Input id="d-from" type="date" value={from} onChange={(_, d) => setFrom(d.value)} />
              </Field>
              <Field label={t('fDocTo')} validationMessage={docsForm.errors.to}>
                <Input id="d-to" type="date" value={to} onChange={(_, d) => setTo(d.value)} />
              </Field>
              <Field label={t('fClassification')} validationMessage={docsForm.errors.classification}>
                <Input id="d-class" value={classification} autoComplete="off" onChange={(_, d) => setClassification(d.value)} />
              </Field>
              <Text className={s.hint}>{t('docsHint')}</Text>
              <Button appearance="primary" type="submit">
                {t('searchDocs')}
              </Button>
            </div>
          </fieldset>
        </form>
        {statusLine('docs-status', docsStatus ?? (docs ? { key: 'docsFound', params: { shown: docs.documents.length, total: docs.total } } : null))}
        <div id="docs-results">{docs ? (
            <>
              <DataTable
                label={t('docsTitle')}
                columns={docColumns}
                items={docs.documents}
                rowKey={(d) => d.documentId}
                empty={t('noDocs')}
                pageSize={20}
                onMore={docs.documents.length < docs.total && docs.documents.length < 50 ? () => void runDocs(docs.params, 50) : undefined}
              />
              {docs.documents.length >= 50 && docs.total > 50 ? <Text>{t('docsNarrow', { max: 50 })}</Text> : null}
            </>
          ) : null}</div>
      </section>
    </div>
  );
}
