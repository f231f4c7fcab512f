import { Button, Combobox, Field, Option, Tag, TagGroup, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { searchStatusOption } from '../../components/SearchStatusOption';
import { useSearchOptions } from '../../components/useSearchOptions';
import { useI18n } from '../../i18n/i18n';
import type { StaffChoice, Texts } from './types';

const useStyles = makeStyles({
  chosen: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, marginTop: tokens.spacingVerticalXS },
});

const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLocaleLowerCase('fr-CA');

/**
 * Several colleagues by name: part of a name typed, one chosen at a time from the staff list the
 * form was given (names never travel in an address), each shown as a tag that removes them.
 * Their service tells namesakes apart; ids never show.
 */
export function StaffPicker(props: { id: string; label: string; hint?: string; staff: StaffChoice[]; services: Map<string, Texts>; value: StaffChoice[]; onChange(value: StaffChoice[]): void; error?: string }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const chosenIds = new Set(props.value.map((p) => p.id));
  const { options, loading } = useSearchOptions<StaffChoice>(
    query,
    async (search) => {
      const wanted = search ? fold(search) : '';
      return props.staff.filter((p) => !chosenIds.has(p.id) && (!wanted || fold(p.displayName).includes(wanted))).slice(0, 20);
    },
    [props.staff, props.value],
  );
  const serviceName = (code: string | null) => (code ? props.services.get(code)?.[i18n.language] : undefined);
  return (
    <Field label={props.label} hint={props.hint} validationMessage={props.error} validationState={props.error ? 'error' : 'none'}>
      <Combobox
        id={props.id}
        freeform
        placeholder={t('personPlaceholder')}
        value={query}
        selectedOptions={[]}
        open={open}
        onOpenChange={(_, d) => setOpen(d.open)}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
        }}
        onOptionSelect={(_, d) => {
          const chosen = options.find((o) => o.id === d.optionValue);
          if (chosen) props.onChange([...props.value, chosen]);
          setQuery('');
          setOpen(false);
        }}
      >
        {options.map((p) => (
          <Option key={p.id} value={p.id} text={p.displayName}>
            {serviceName(p.serviceCode) ? `${p.displayName} (${serviceName(p.serviceCode)})` : p.displayName}
          </Option>
        ))}
        {searchStatusOption({ loading, count: options.length }, { searching: t('searching'), none: t('personNone') })}
      </Combobox>
      {props.value.length ? (
        <TagGroup className={s.chosen} aria-label={t('reqMembersChosen')} onDismiss={(_, d) => props.onChange(props.value.filter((p) => p.id !== d.value))}>
          {props.value.map((p) => (
            <Tag key={p.id} value={p.id} dismissible dismissIcon={{ 'aria-label': t('reqRemoveMember', { name: p.displayName }) }}>
              {p.displayName}
            </Tag>
          ))}
        </TagGroup>
      ) : null}
      {props.value.length > 1 ? (
        <Button appearance="subtle" size="small" onClick={() => props.onChange([])}>
          {t('reqClearMembers')}
        </Button>
      ) : null}
    </Field>
  );
}
