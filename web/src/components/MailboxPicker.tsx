import { Combobox, Field, Option } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { searchStatusOption } from './SearchStatusOption';
import { useSearchOptions } from './useSearchOptions';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session';

export interface MailboxChoice {
  mailboxId: string;
  displayName: string;
  address: string;
  kind: 'staff' | 'shared';
}

/** Names of mailboxes seen so far, so lists elsewhere (holds, audit) show names rather than ids. */
export const mailboxNames = new Map<string, MailboxChoice>();

export function rememberMailboxes(items: MailboxChoice[]): void {
  for (const m of items) mailboxNames.set(m.mailboxId.toLowerCase(), m);
}

export function mailboxName(id: string): string {
  const m = mailboxNames.get(id.toLowerCase());
  return m ? m.displayName : id;
}

/**
 * Picks a mailbox by name or address (POST /api/archive/mailboxes/search: a name stays out of URLs,
 * which request logs keep): people type part of a
 * name and choose from the list; ids never show. `value` null means none chosen.
 */
export function MailboxPicker(props: { id: string; label: string; hint?: string; value: MailboxChoice | null; onChange(choice: MailboxChoice | null): void; clearOnSelect?: boolean }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [query, setQuery] = useState(props.value?.displayName ?? '');
  const [open, setOpen] = useState(false);
  const { options, loading } = useSearchOptions<MailboxChoice>(
    query,
    (search) =>
      api.post<{ items: MailboxChoice[] }>('archive/mailboxes/search', { search, pageSize: 20 }).then(({ body: r }) => {
        rememberMailboxes(r.items);
        return r.items;
      }),
    [api],
  );
  useEffect(() => {
    if (!props.clearOnSelect) setQuery(props.value?.displayName ?? '');
  }, [props.value, props.clearOnSelect]);
  const describe = (m: MailboxChoice) => `${m.displayName} (${m.address})${m.kind === 'shared' ? ` — ${t('mailboxShared')}` : ''}`;
  return (
    <Field label={props.label} hint={props.hint}>
      <Combobox
        id={props.id}
        freeform
        clearable
        placeholder={t('fMailboxPlaceholder')}
        value={query}
        selectedOptions={props.value ? [props.value.mailboxId] : []}
        open={open}
        onOpenChange={(_, d) => setOpen(d.open)}
        onChange={(e) => {
          const text = e.target.value;
          setQuery(text);
          // The list opens as soon as something is typed (or pasted), not on arrow keys only.
          setOpen(true);
          if (!text) props.onChange(null);
        }}
        onOptionSelect={(_, d) => {
          const chosen = options.find((o) => o.mailboxId === d.optionValue) ?? null;
          props.onChange(chosen);
          setOpen(false);
          setQuery(props.clearOnSelect ? '' : chosen?.displayName ?? '');
        }}
      >
        {options.map((m) => (
          <Option key={m.mailboxId} value={m.mailboxId} text={m.displayName}>
            {describe(m)}
          </Option>
        ))}
        {searchStatusOption({ loading, count: options.length }, { searching: t('searching'), none: t('mailboxNone') })}
      </Combobox>
    </Field>
  );
}
