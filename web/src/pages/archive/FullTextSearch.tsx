import { Button, Field, Input, Link, Radio, RadioGroup, Select, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../../api';
import { MailboxPicker, type MailboxChoice } from '../../components/MailboxPicker';
import { ErrorState } from '../../components/States';
import { useI18n } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import type { FullTextItem, FullTextPage, FullTextQuery, Hold, RuleName } from './types';

const useStyles = makeStyles({
  fieldset: { border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, borderRadius: tokens.borderRadiusMedium, padding: tokens.spacingHorizontalM, margin: `0 0 ${tokens.spacingVerticalL}` },
  legend: { fontWeight: tokens.fontWeightSemibold, padding: `0 ${tokens.spacingHorizontalXS}` },
  row: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'end' },
  box: { flexGrow: 1, minWidth: '16rem' },
  layout: { display: 'grid', gridTemplateColumns: 'minmax(12rem, 16rem) 1fr', gap: tokens.spacingHorizontalL, '@media (max-width: 700px)': { gridTemplateColumns: '1fr' } },
  facets: { '& ul': { listStyle: 'none', padding: 0, margin: `0 0 ${tokens.spacingVerticalM}` }, '& h4': { margin: `${tokens.spacingVerticalS} 0` } },
  results: { listStyle: 'none', padding: 0, margin: 0, '& > li': { borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, padding: `${tokens.spacingVerticalS} 0` } },
  meta: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  fragment: { margin: `${tokens.spacingVerticalXXS} 0`, overflowWrap: 'anywhere' },
  hit: { backgroundColor: tokens.colorPaletteYellowBackground2, color: tokens.colorNeutralForeground1, fontWeight: tokens.fontWeightSemibold },
  help: { margin: `${tokens.spacingVerticalS} 0`, '& code': { fontFamily: tokens.fontFamilyMonospace } },
  subject: { textAlign: 'left', fontWeight: tokens.fontWeightSemibold },
});

type Facet = 'year' | 'folder' | 'participant' | 'hasAttachments';

/**
 * Full-text search of the archive (docs/decisions/0020): one box, the syntax explained, facets to
 * narrow, highlighted fragments, paging. Fragments arrive as text segments (the API marks hits,
 * never with markup), so everything is rendered as React text: nothing in a message can become HTML.
 */
export function FullTextSearch(props: { onOpen(ref: string): void; onExportable?(query: FullTextQuery | null): void }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api, me } = useSession();
  const isRecords = hasRole(me, 'RecordsManager');
  const [text, setText] = useState('');
  const [syntax, setSyntax] = useState<'simple' | 'full'>('simple');
  const [mailbox, setMailbox] = useState<MailboxChoice | null>(null);
  const [sort, setSort] = useState<FullTextQuery['sort']>('relevance');
  const [query, setQuery] = useState<FullTextQuery | null>(null);
  const [page, setPage] = useState<FullTextPage | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [textError, setTextError] = useState<string | undefined>();
  const [matter, setMatter] = useState('');
  const [exportNote, setExportNote] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | undefined>();
  // A RecordsManager narrows to one legal hold or one retention rule, chosen by name.
  // A list that could not be loaded says so; the search itself still works without that filter.
  const [holds, setHolds] = useState<Hold[] | 'failed'>([]);
  const [rules, setRules] = useState<RuleName[] | 'failed'>([]);
  const [hold, setHold] = useState('');
  const [rule, setRule] = useState('');
  useEffect(() => {
    if (!isRecords) return;
    let alive = true;
    api.get<{ items: Hold[] }>('archive/holds').then((r) => alive && setHolds(r.items.filter((h) => h.status === 'active')), () => alive && setHolds('failed'));
    api.get<{ items: RuleName[] }>('archive/retention-rule-names').then((r) => alive && setRules(r.items), () => alive && setRules('failed'));
    return () => {
      alive = false;
    };
  }, [api, isRecords]);
  const ruleTitle = (r: RuleName) => r.title[i18n.language === 'en' ? 'en' : 'fr-CA'];

  const run = async (q: FullTextQuery) => {
    setBusy(true);
    setError(null);
    setTextError(undefined);
    try {
      // POST: the query is personal information, kept out of URLs (request logs).
      const { body } = await api.post<FullTextPage>('archive/full-text', q);
      setQuery(q);
      setPage(body);
      props.onExportable?.(q);
    } catch (e) {
      // 400: the query itself (its message names what to fix); 503 (no search service) says so as an error.
      if (e instanceof ApiError && e.status === 400) setTextError(e.message);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) {
      setTextError(t('ftEmpty'));
      return;
    }
    void run({
      text: text.trim(),
      syntax,
      sort,
      page: 1,
      pageSize: 20,
      ...(isRecords && mailbox ? { mailboxId: mailbox.mailboxId } : {}),
      ...(isRecords && hold ? { hold } : {}),
      ...(isRecords && rule ? { retentionRule: rule } : {}),
    });
  };

  const narrow = (facet: Facet, value: string) => {
    if (!query) return;
    const next: FullTextQuery = { ...query, page: 1 };
    if (facet === 'year') Object.assign(next, { from: `${value}-01-01`, to: `${value}-12-31` });
    if (facet === 'folder') next.folder = value;
    if (facet === 'participant') next.participant = value;
    if (facet === 'hasAttachments') next.hasAttachments = value === 'true';
    void run(next);
  };

  /** The results of this search, exported through the archive's export path (a RecordsManager's; 202, built in the background). */
  const exportResults = async () => {
    if (!query) return;
    setExportNote(null);
    setExportError(undefined);
    if (matter.trim().length < 3) {
      setExportError(t('ftMatterNeeded'));
      return;
    }
    const filter = Object.fromEntries(
      Object.entries({ mailboxId: query.mailboxId, participant: query.participant, from: query.from, to: query.to, folder: query.folder, hasAttachments: query.hasAttachments }).filter(([, v]) => v !== undefined),
    );
    try {
      const narrowed = { ...(query.hold ? { hold: query.hold } : {}), ...(query.retentionRule ? { retentionRule: query.retentionRule } : {}) };
      await api.post('archive/exports', { matter: matter.trim(), format: 'zip', filter, fullText: { text: query.text, syntax: query.syntax, ...narrowed } });
      setExportNote(t('ftExportQueued'));
    } catch (e) {
      setExportError(e instanceof Error ? e.message : String(e));
    }
  };

  const clearFilters = () => {
    if (!query) return;
    const { folder: _f, participant: _p, from: _a, to: _b, hasAttachments: _h, ...rest } = query;
    void run({ ...rest, page: 1 });
  };

  const pages = page ? Math.max(1, Math.ceil(page.total / page.pageSize)) : 0;
  const filtered = query && (query.folder || query.participant || query.from || query.hasAttachments !== undefined);
  const facetValue = (facet: Facet, value: string) => (facet === 'hasAttachments' ? (value === 'true' ? t('ftWithAttachments') : t('ftWithoutAttachments')) : value);
  const fieldName = (field: FullTextItem['highlights'][number]['field']) => t(`ftField_${field}`);

  return (
    <section aria-labelledby="ft-title">
      <form id="fulltext-search" onSubmit={submit} noValidate>
        <fieldset className={s.fieldset}>
          <legend className={s.legend} id="ft-title">
            {t('ftLegend')}
          </legend>
          <div className={s.row}>
            <Field className={s.box} label={t('ftBox')} validationMessage={textError} hint={syntax === 'full' ? t('ftHintFull') : t('ftHintSimple')}>
              <Input id="ft-text" type="search" value={text} maxLength={500} onChange={(_, d) => setText(d.value)} />
            </Field>
            {isRecords ? <MailboxPicker id="ft-mailbox" label={t('ftMailbox')} hint={t('fMailboxHint')} value={mailbox} onChange={setMailbox} /> : null}
            {isRecords ? (
              <>
                <NarrowBy id="ft-hold" label={t('ftHold')} value={hold} onChange={setHold} choices={holds === 'failed' ? holds : holds.map((h) => ({ value: h.id, label: h.matter }))} />
                <NarrowBy id="ft-rule" label={t('ftRule')} value={rule} onChange={setRule} choices={rules === 'failed' ? rules : rules.map((r) => ({ value: r.id, label: ruleTitle(r) }))} />
              </>
            ) : null}
            <Field label={t('ftSort')}>
              <Select id="ft-sort" value={sort} onChange={(_, d) => setSort(d.value as FullTextQuery['sort'])}>
                <option value="relevance">{t('ftSortRelevance')}</option>
                <option value="date-desc">{t('ftSortNewest')}</option>
                <option value="date-asc">{t('ftSortOldest')}</option>
              </Select>
            </Field>
            {isRecords ? (
              <Field label={t('ftSyntax')}>
                <RadioGroup id="ft-syntax" layout="horizontal" value={syntax} onChange={(_, d) => setSyntax(d.value as 'simple' | 'full')}>
                  <Radio value="simple" label={t('ftSyntaxSimple')} />
                  <Radio value="full" label={t('ftSyntaxFull')} />
                </RadioGroup>
              </Field>
            ) : null}
            <Button id="ft-submit" appearance="primary" type="submit" disabled={busy}>
              {t('ftSearchButton')}
            </Button>
          </div>
          <details className={s.help}>
            <summary>{t('ftHelpTitle')}</summary>
            <ul>
              <li>{t('ftHelpWords')}</li>
              <li>{t('ftHelpPhrase')}</li>
              <li>{t('ftHelpExclude')}</li>
              <li>{t('ftHelpPrefix')}</li>
              <li>{t('ftHelpAccents')}</li>
              <li>{t('ftHelpNotIndexed')}</li>
              {isRecords ? <li>{t('ftHelpFull')}</li> : null}
            </ul>
          </details>
        </fieldset>
      </form>
      <p id="ft-status" role="status" aria-live="polite">
        {busy ? t('searching') : page ? (page.total ? t('ftFound', { count: page.total, page: page.page, pages }) : t('noResults')) : ''}
      </p>
      {error ? <ErrorState error={error} onRetry={() => query && void run(query)} /> : null}
      {page && page.total > 0 ? (
        <div className={s.layout}>
          <nav className={s.facets} aria-label={t('ftFacets')} id="ft-facets">
            {(['year', 'folder', 'participant', 'hasAttachments'] as const).map((facet) =>
              page.facets[facet].length ? (
                <div key={facet}>
                  <h4>{t(`ftFacet_${facet}`)}</h4>
                  <ul>
                    {page.facets[facet].map((f) => (
                      <li key={f.value}>
                        <Link as="button" onClick={() => narrow(facet, f.value)}>
                          {t('ftFacetValue', { value: facetValue(facet, f.value), count: i18n.number(f.count) })}
                        </Link>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null,
            )}
            {filtered ? (
              <Button id="ft-clear-filters" size="small" onClick={clearFilters}>
                {t('ftClearFilters')}
              </Button>
            ) : null}
          </nav>
          <div>
            <ol className={s.results} id="ft-results" aria-label={t('results')}>
              {page.items.map((item) => (
                <li key={item.ref}>
                  <Link as="button" className={s.subject} onClick={() => props.onOpen(item.ref)}>
                    {item.subject || t('noSubject')}
                  </Link>
                  <div className={s.meta}>
                    {[i18n.dateTime(item.date), item.from || t('dash'), item.folder, isRecords && item.mailboxName ? item.mailboxName : null, item.hasAttachments ? item.attachmentNames.join(', ') : null]
                      .filter(Boolean)
                      .join(' · ')}
                  </div>
                  {item.highlights.slice(0, 3).map((h, i) => (
                    <p key={i} className={s.fragment}>
                      <span className={s.meta}>{fieldName(h.field)} : </span>
                      {h.segments.map((seg, j) => (seg.hit ? <mark key={j} className={s.hit}>{seg.text}</mark> : <span key={j}>{seg.text}</span>))}
                    </p>
                  ))}
                  {item.notIndexed.length ? <div className={s.meta}>{t('ftNotIndexed', { reasons: item.notIndexed.map((r) => r.replace(/^not indexed: /, '')).join(', ') })}</div> : null}
                </li>
              ))}
            </ol>
            <div className={s.row}>
              <Button id="ft-prev" disabled={busy || page.page <= 1} onClick={() => query && void run({ ...query, page: page.page - 1 })}>
                {t('ftPrev')}
              </Button>
              <Button id="ft-next" disabled={busy || page.page >= Math.min(pages, 200)} onClick={() => query && void run({ ...query, page: page.page + 1 })}>
                {t('ftNext')}
              </Button>
            </div>
            {isRecords ? (
              <div className={s.row} id="ft-export">
                <Field label={t('ftMatter')} validationMessage={exportError}>
                  <Input id="ft-matter" value={matter} maxLength={200} onChange={(_, d) => setMatter(d.value)} />
                </Field>
                <Button id="ft-export-button" onClick={() => void exportResults()}>
                  {t('ftExport', { count: i18n.number(page.total) })}
                </Button>
                {exportNote ? <span role="status">{exportNote}</span> : null}
              </div>
            ) : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}

/** A RecordsManager's optional narrowing (a hold, a rule): "any" first, then the choices by name. */
function NarrowBy(props: { id: string; label: string; value: string; onChange(value: string): void; choices: Array<{ value: string; label: string }> | 'failed' }) {
  const { t } = useI18n();
  const failed = props.choices === 'failed';
  const choices = props.choices === 'failed' ? [] : props.choices;
  return (
    <Field label={props.label} validationState={failed ? 'warning' : 'none'} validationMessage={failed ? t('ftListUnavailable') : undefined}>
      <Select id={props.id} value={props.value} onChange={(_, d) => props.onChange(d.value)}>
        <option value="">{t('ftAnyFilter')}</option>
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </Select>
    </Field>
  );
}
