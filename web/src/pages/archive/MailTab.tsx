import { Button, Checkbox, Field, Input, Link, makeStyles, tokens } from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import * as z from 'zod';
import { saveBlob } from '../../api';
import { DataTable, type Column } from '../../components/DataTable';
import { useZodForm } from '../../components/Form';
import { MailboxPicker, type MailboxChoice } from '../../components/MailboxPicker';
import { ErrorState, LoadingState, useSay, type Said } from '../../components/States';
import { useI18n } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import type { MessageSummary, MessageView, RuleName, SearchFilter, SearchPage } from './types';
import { FullTextSearch } from './FullTextSearch';

const useStyles = makeStyles({
  form: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(14rem, 1fr))', gap: tokens.spacingHorizontalM, alignItems: 'start' },
  fieldset: { border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, borderRadius: tokens.borderRadiusMedium, padding: tokens.spacingHorizontalM, margin: 0 },
  legend: { fontWeight: tokens.fontWeightSemibold, padding: `0 ${tokens.spacingHorizontalXS}` },
  buttons: { display: 'flex', gap: tokens.spacingHorizontalS },
  reader: { marginTop: tokens.spacingVerticalXL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
  headers: { display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalL}`, '& dt': { fontWeight: tokens.fontWeightSemibold }, '& dd': { margin: 0, overflowWrap: 'anywhere' } },
  body: {
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    padding: tokens.spacingHorizontalM,
    margin: `${tokens.spacingVerticalM} 0`,
    overflowWrap: 'anywhere',
    backgroundColor: tokens.colorNeutralBackground1,
    '& img': { maxWidth: '100%', height: 'auto' },
    '& a': { color: tokens.colorBrandForegroundLink },
    '& pre': { whiteSpace: 'pre-wrap' },
  },
  subjectButton: { textAlign: 'left' },
});

interface FormValues {
  participant: string;
  subject: string;
  folder: string;
  from: string;
  to: string;
  attachments: boolean;
}
const EMPTY: FormValues = { participant: '', subject: '', folder: '', from: '', to: '', attachments: false };

/** The mail list, search and reader; the current search is shared with the records tab (exports). */
export function MailTab(props: { filter: SearchFilter; onFilter(f: SearchFilter): void; rules: RuleName[] }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api, me } = useSession();
  const say = useSay();
  const isRecords = hasRole(me, 'RecordsManager');
  const [values, setValues] = useState<FormValues>(EMPTY);
  const [mailbox, setMailbox] = useState<MailboxChoice | null>(null);
  const [items, setItems] = useState<MessageSummary[] | null>(null);
  const [continuation, setContinuation] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<MessageView | null>(null);
  // Remote images stay unloaded (loading them tells the sender the message was read) until the reader asks, per message.
  const [remoteShown, setRemoteShown] = useState(false);
  const [notice, setNotice] = useState<Said | null>(null);
  const readerTitle = useRef<HTMLHeadingElement>(null);
  const firstList = useRef(true);
  // The reader takes focus once the opened message is on the page.
  useEffect(() => readerTitle.current?.focus(), [open]);

  const schema = useMemo(
    () =>
      z
        .object({
          // An address (checked as one when it has an @), or words of a name (the API matches each
          // word of a participant's name); the email check's own message says what is wrong.
          participant: z.string().trim().superRefine((value, ctx) => {
            if (value === '') return;
            const check = value.includes('@') ? z.email().safeParse(value) : z.string().min(2).max(200).regex(/\p{L}/u).safeParse(value);
            if (!check.success) for (const issue of check.error.issues) ctx.addIssue({ ...issue, input: value } as Parameters<typeof ctx.addIssue>[0]);
          }),
          subject: z.union([z.literal(''), z.string().trim().min(2).max(200)]),
          folder: z.string().max(400),
          from: z.string(),
          to: z.string(),
          attachments: z.boolean(),
        })
        .refine((v) => !v.from || !v.to || v.from <= v.to, { message: t('dateOrder'), path: ['to'] }),
    [t],
  );
  const form = useZodForm(schema);

  const run = useCallback(
    async (filter: SearchFilter, after: string | null) => {
      setBusy(true);
      setError(null);
      try {
        // POST: participants and subject words are personal information, kept out of URLs (request logs).
        const { body: page } = await api.post<SearchPage>('archive/search', {
          ...Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, v === undefined ? undefined : String(v)])),
          pageSize: 25,
          continuation: after ?? undefined,
        });
        setItems((prev) => (after && prev ? [...prev, ...page.items] : page.items));
        setContinuation(page.continuation);
        if (firstList.current) {
          firstList.current = false;
          // The page is usable once the person's mail shows (bench/web.ts measures up to here).
          requestAnimationFrame(() => performance.mark('spgq:archive-interactive'));
        }
      } catch (e) {
        setError(e);
      } finally {
        setBusy(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void run(props.filter, null);
    // Only on arrival: later searches are submitted.
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const valid = form.validate(values);
    if (!valid) return;
    const filter: SearchFilter = {};
    if (isRecords && mailbox) filter.mailboxId = mailbox.mailboxId;
    if (valid.participant) filter.participant = valid.participant;
    if (valid.subject) filter.subject = valid.subject.trim();
    if (valid.folder.trim()) filter.folder = valid.folder.trim();
    if (valid.from) filter.from = valid.from;
    if (valid.to) filter.to = valid.to;
    if (valid.attachments) filter.hasAttachments = true;
    props.onFilter(filter);
    setOpen(null);
    void run(filter, null);
  };

  const openMessage = async (ref: string) => {
    setNotice(null);
    try {
      const view = await api.get<MessageView>(`archive/messages/${encodeURIComponent(ref)}`);
      setRemoteShown(false);
      setOpen({ ...view, ref });
    } catch (e) {
      setNotice({ error: e });
    }
  };

  const download = async (path: string, fallback: string) => {
    try {
      const { blob, filename } = await api.download(path);
      saveBlob(blob, filename ?? fallback);
    } catch (e) {
      setNotice({ key: 'downloadFailed', error: e });
    }
  };

  const ruleName = (id: string | null) => {
    if (!id) return t('notAssigned');
    const rule = props.rules.find((r) => r.id === id);
    return rule ? rule.title[i18n.language] : id;
  };
  // The name people know; the address on hover and for assistive technology.
  const address = (a: MessageSummary['from']) => (a ? <span title={a.address}>{a.name || a.address}</span> : t('dash'));

  const columns: Column<MessageSummary>[] = [
    { id: 'date', header: t('colDate'), render: (m) => i18n.dateTime(m.receivedAt), sortValue: (m) => m.receivedAt },
    { id: 'from', header: t('colFrom'), render: (m) => address(m.from), sortValue: (m) => m.from?.name || m.from?.address || '' },
    {
      id: 'subject',
      header: t('colSubject'),
      render: (m) => (
        <Link as="button" className={s.subjectButton} onClick={() => void openMessage(m.ref)}>
          {m.subject || t('noSubject')}
        </Link>
      ),
      sortValue: (m) => m.subject,
    },
    { id: 'folder', header: t('colFolder'), render: (m) => m.folderPath, sortValue: (m) => m.folderPath },
    { id: 'attachments', header: t('colAttachments'), render: (m) => (m.attachmentNames.length ? m.attachmentNames.join(', ') : t('dash')) },
    { id: 'rule', header: t('colRetention'), render: (m) => ruleName(m.retentionRuleId), sortValue: (m) => ruleName(m.retentionRuleId) },
    { id: 'until', header: t('colKeepUntil'), render: (m) => (m.retentionRuleId && !m.retainUntil ? t('keptForever') : i18n.date(m.retainUntil)), sortValue: (m) => m.retainUntil },
    { id: 'hold', header: t('colHold'), render: (m) => (m.held ? t('underHold') : t('no')) },
  ];

  const set = (k: keyof FormValues) => (v: string | boolean) => setValues((p) => ({ ...p, [k]: v }));
  const count = items?.length ?? 0;

  return (
    <div>
      {/* Inside messages and attachments; the fields below filter the archive's own index (subjects, participants, dates). */}
      <FullTextSearch onOpen={(ref) => void openMessage(ref)} />
      <form id="archive-search" onSubmit={submit} noValidate>
        <fieldset className={s.fieldset}>
          <legend className={s.legend}>{t('searchLegend')}</legend>
          <div className={s.form}>
            {isRecords ? <MailboxPicker id="q-mailbox" label={t('fMailbox')} hint={t('fMailboxHint')} value={mailbox} onChange={setMailbox} /> : null}
            <Field label={t('fParticipant')} validationMessage={form.errors.participant}>
              <Input id="q-participant" type="text" value={values.participant} onChange={(_, d) => set('participant')(d.value)} />
            </Field>
            <Field label={t('fSubject')} validationMessage={form.errors.subject}>
              <Input id="q-subject" value={values.subject} onChange={(_, d) => set('subject')(d.value)} />
            </Field>
            <Field label={t('fFolder')} validationMessage={form.errors.folder}>
              <Input id="q-folder" value={values.folder} onChange={(_, d) => set('folder')(d.value)} />
            </Field>
            <Field label={t('fFrom')}>
              <Input id="q-from" type="date" value={values.from} onChange={(_, d) => set('from')(d.value)} />
            </Field>
            <Field label={t('fTo')} validationMessage={form.errors.to}>
              <Input id="q-to" type="date" value={values.to} onChange={(_, d) => set('to')(d.value)} />
            </Field>
            <Checkbox id="q-attachments" label={t('fAttachments')} checked={values.attachments} onChange={(_, d) => set('attachments')(Boolean(d.checked))} />
            <div className={s.buttons}>
              <Button appearance="primary" type="submit" disabled={busy}>
                {t('searchButton')}
              </Button>
              <Button
                type="button"
                onClick={() => {
                  setValues(EMPTY);
                  setMailbox(null);
                  form.reset();
                }}
              >
                {t('clearButton')}
              </Button>
            </div>
          </div>
        </fieldset>
      </form>
      <p id="archive-status" role="status" aria-live="polite">
        {busy ? t('searching') : items ? (count ? t(continuation ? 'foundMore' : 'found', { count }) : t('noResults')) : ''}
      </p>
      {notice ? <ErrorState error={new Error(say(notice))} /> : null}
      <h3>{t('results')}</h3>
      {error ? (
        <ErrorState error={error} onRetry={() => void run(props.filter, null)} />
      ) : items === null ? (
        <LoadingState label={t('searching')} />
      ) : (
        <DataTable
          id="archive-results"
          label={t('results')}
          columns={columns}
          items={items}
          rowKey={(m) => m.ref}
          empty={t('noResults')}
          emptyHint={t('noResultsHint')}
          onMore={continuation ? () => void run(props.filter, continuation) : undefined}
          loadingMore={busy}
        />
      )}
      {open ? (
        <section id="archive-reader" className={s.reader} aria-labelledby="reader-title">
          <h3 id="reader-title" ref={readerTitle} tabIndex={-1}>
            {t('reading')}
          </h3>
          <h4 id="reader-subject">{open.headers.subject || t('noSubject')}</h4>
          <dl className={s.headers}>
            {open.headers.from ? (
              <>
                <dt>{t('headersFrom')}</dt>
                <dd>{open.headers.from}</dd>
              </>
            ) : null}
            {open.headers.to ? (
              <>
                <dt>{t('headersTo')}</dt>
                <dd>{open.headers.to}</dd>
              </>
            ) : null}
            {open.headers.cc ? (
              <>
                <dt>{t('headersCc')}</dt>
                <dd>{open.headers.cc}</dd>
              </>
            ) : null}
            <dt>{t('headersDate')}</dt>
            <dd id="reader-date">
              {open.headers.date ? (
                i18n.dateTime(open.headers.date)
              ) : (
                <>
                  {t('noValidDate')}
                  {open.headers.dateRaw ? (
                    <>
                      {' '}
                      {t('rawDateHeader')} <code id="reader-date-raw">{open.headers.dateRaw}</code>
                    </>
                  ) : null}
                </>
              )}
            </dd>
          </dl>
          {open.tooComplex ? (
            <p id="reader-too-complex" role="status">
              {t('tooComplex')}
            </p>
          ) : null}
          {open.remoteImages > 0 ? (
            <p id="reader-remote-images">
              {remoteShown ? t('remoteImagesShown', { count: open.remoteImages }) : t('remoteImagesBlocked', { count: open.remoteImages })}{' '}
              {remoteShown ? null : (
                <Button id="show-remote-images" size="small" onClick={() => setRemoteShown(true)}>
                  {t('showRemoteImages')}
                </Button>
              )}
            </p>
          ) : null}
          {open.tooComplex ? null : open.html ? (
            // Sanitised by the API (no script, handler, style, relative URL; remote images only as
            // data-remote-src); the CSP forbids the rest. Loading remote images turns that attribute of
            // each <img> into a src (sanitize-html escaped its value, and any ">" in attributes), without a referrer.
            <div
              id="reader-content"
              className={s.body}
              dangerouslySetInnerHTML={{ __html: remoteShown ? open.html.replace(/(<img\b[^>]*?) data-remote-src="/g, '$1 referrerpolicy="no-referrer" src="') : open.html }}
            />
          ) : (
            <div id="reader-content" className={s.body}>
              <pre>{open.text ?? ''}</pre>
            </div>
          )}
          <Button id="download-eml" onClick={() => void download(`archive/messages/${encodeURIComponent(open.ref)}/eml`, 'message.eml')}>
            {t('downloadEml')}
          </Button>
          {open.attachments.length ? (
            <>
              <h4>{t('attachments')}</h4>
              <ul>
                {open.attachments.map((a) => (
                  <li key={a.index}>
                    <Link as="button" onClick={() => void download(`archive/messages/${encodeURIComponent(open.ref)}/attachments/${a.index}`, a.filename)}>
                      {t('attachmentLabel', { name: a.filename, size: i18n.size(a.size) })}
                    </Link>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
