import { Combobox, Field, Option } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { searchStatusOption } from '../../components/SearchStatusOption';
import { useSearchOptions } from '../../components/useSearchOptions';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import type { DirectoryPage, PersonView } from '../people/types';

export type PersonChoice = Pick<PersonView, 'id' | 'displayName' | 'service'>;

/**
 * Picks a person by name (POST /api/people/search, HR and IT administration; a name stays out of URLs): part of a name typed,
 * one chosen from the list, with their service to tell namesakes apart; ids never show.
 */
export function PersonPicker(props: { id: string; label: string; value: PersonChoice | null; onChange(choice: PersonChoice | null): void; error?: string; required?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const [query, setQuery] = useState(props.value?.displayName ?? '');
  const [open, setOpen] = useState(false);
  const { options, loading } = useSearchOptions<PersonChoice>(query, (search) => api.post<DirectoryPage>('people/search', { search, pageSize: 20 }).then(({ body: r }) => r.people), [api]);
  useEffect(() => setQuery(props.value?.displayName ?? ''), [props.value]);
  return (
    <Field label={props.label} validationMessage={props.error} validationState={props.error ? 'error' : 'none'} required={props.required}>
      <Combobox
        id={props.id}
        freeform
        placeholder={t('personPlaceholder')}
        value={query}
        selectedOptions={props.value ? [props.value.id] : []}
        open={open}
        onOpenChange={(_, d) => setOpen(d.open)}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
          if (!e.target.value) props.onChange(null);
        }}
        onOptionSelect={(_, d) => {
          const chosen = options.find((o) => o.id === d.optionValue) ?? null;
          props.onChange(chosen);
          setOpen(false);
          setQuery(chosen?.displayName ?? '');
        }}
      >
        {options.map((p) => (
          <Option key={p.id} value={p.id} text={p.displayName}>
            {p.service ? `${p.displayName} (${p.service.names[i18n.language]})` : p.displayName}
          </Option>
        ))}
        {searchStatusOption({ loading, count: options.length }, { searching: t('searching'), none: t('personNone') })}
      </Combobox>
    </Field>
  );
}
