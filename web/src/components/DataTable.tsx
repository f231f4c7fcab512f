import { Button, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { useMemo, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import { EmptyState } from './States';

export interface Column<T> {
  id: string;
  header: string;
  render(item: T): ReactNode;
  /** Present: the column sorts on this value (strings by the language's collation). */
  sortValue?(item: T): string | number | null;
}

const useStyles = makeStyles({
  wrap: { overflowX: 'auto', maxWidth: '100%' },
  table: { minWidth: '36rem' },
  // No hover fill: in high contrast it is the highlight colour, on which links fall below AA.
  row: {
    ':hover': { backgroundColor: 'transparent', color: tokens.colorNeutralForeground1 },
    ':active': { backgroundColor: 'transparent', color: tokens.colorNeutralForeground1 },
  },
  cell: { paddingTop: tokens.spacingVerticalXS, paddingBottom: tokens.spacingVerticalXS, verticalAlign: 'top', overflowWrap: 'anywhere' },
  pager: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, marginTop: tokens.spacingVerticalS },
});

/**
 * A labelled table with sortable columns and paging: `pageSize` pages the rows it holds;
 * `onMore` asks the server for the next page when the result was cut (a continuation).
 */
export function DataTable<T>(props: {
  id?: string;
  label: string;
  columns: Column<T>[];
  items: T[];
  rowKey(item: T): string;
  empty: string;
  emptyHint?: string;
  pageSize?: number;
  onMore?: () => void;
  loadingMore?: boolean;
}) {
  const { t, language } = useI18n();
  const s = useStyles();
  const [sort, setSort] = useState<{ column: string; direction: 'ascending' | 'descending' } | null>(null);
  const [page, setPage] = useState(0);
  const sorted = useMemo(() => {
    const column = props.columns.find((c) => c.id === sort?.column);
    if (!column?.sortValue || !sort) return props.items;
    const collator = new Intl.Collator(language, { numeric: true, sensitivity: 'base' });
    const sign = sort.direction === 'ascending' ? 1 : -1;
    return [...props.items].sort((a, b) => {
      const va = column.sortValue!(a);
      const vb = column.sortValue!(b);
      if (va === vb) return 0;
      if (va === null) return 1;
      if (vb === null) return -1;
      return sign * (typeof va === 'number' && typeof vb === 'number' ? va - vb : collator.compare(String(va), String(vb)));
    });
  }, [props.items, props.columns, sort, language]);
  if (!props.items.length) return <EmptyState title={props.empty} hint={props.emptyHint} />;
  const size = props.pageSize ?? sorted.length;
  const pages = Math.max(1, Math.ceil(sorted.length / size));
  const current = Math.min(page, pages - 1);
  const shown = sorted.slice(current * size, current * size + size);
  const lastLocalPage = current === pages - 1;
  return (
    <div>
      <div className={s.wrap}>
        <Table id={props.id} aria-label={props.label} className={s.table} size="small">
          <TableHeader>
            <TableRow>
              {props.columns.map((c) =>
                c.sortValue ? (
                  <TableHeaderCell
                    key={c.id}
                    sortDirection={sort?.column === c.id ? sort.direction : undefined}
                    onClick={() => setSort((p) => ({ column: c.id, direction: p?.column === c.id && p.direction === 'ascending' ? 'descending' : 'ascending' }))}
                    aria-label={undefined}
                    title={t('sortBy', { column: c.header })}
                  >
                    {c.header}
                  </TableHeaderCell>
                ) : (
                  <TableHeaderCell key={c.id}>{c.header}</TableHeaderCell>
                ),
              )}
            </TableRow>
          </TableHeader>
          <TableBody>
            {shown.map((item) => (
              <TableRow key={props.rowKey(item)} className={s.row}>
                {props.columns.map((c) => (
                  <TableCell key={c.id} className={s.cell}>
                    {c.render(item)}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      {pages > 1 || props.onMore ? (
        <div className={s.pager}>
          {pages > 1 ? (
            <>
              <Button disabled={current === 0} onClick={() => setPage(current - 1)}>
                {t('previousPage')}
              </Button>
              <span>{t('pageOf', { page: current + 1 })}</span>
            </>
          ) : null}
          {!lastLocalPage ? (
            <Button onClick={() => setPage(current + 1)}>{t('nextPage')}</Button>
          ) : props.onMore ? (
            <Button
              disabled={props.loadingMore}
              onClick={() => {
                props.onMore!();
                if (pages > 1) setPage(current + 1);
              }}
            >
              {t('nextPage')}
            </Button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
