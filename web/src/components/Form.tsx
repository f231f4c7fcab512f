import { Field, Input, type InputProps } from '@fluentui/react-components';
import { useCallback, useMemo, useState } from 'react';
import * as z from 'zod';
import { en as zodEn, frCA as zodFrCA } from 'zod/locales';
import { useI18n } from '../i18n/i18n';

const zodLocales = { 'fr-CA': zodFrCA(), en: zodEn() };

/**
 * Validation of a form with a zod schema, its messages in the person's language: the schema's
 * own messages come from the catalogs (the schema is built with t), zod's generic ones from its
 * fr-CA and en locales. Errors are recomputed when the language changes, so they switch too.
 */
export function useZodForm<S extends z.ZodType>(schema: S) {
  const { language } = useI18n();
  const [checked, setChecked] = useState<{ values: unknown } | null>(null);
  const run = useCallback((values: unknown) => schema.safeParse(values, { error: zodLocales[language].localeError }), [schema, language]);
  const errors = useMemo(() => {
    if (!checked) return {} as Record<string, string>;
    const result = run(checked.values);
    const out: Record<string, string> = {};
    if (!result.success) for (const issue of result.error.issues) out[issue.path.join('.') || '_form'] ??= issue.message;
    return out;
  }, [checked, run]);
  const validate = useCallback(
    (values: unknown): z.infer<S> | null => {
      const result = run(values);
      setChecked(result.success ? null : { values });
      return result.success ? result.data : null;
    },
    [run],
  );
  return { errors, validate, reset: () => setChecked(null) };
}

/** A labelled text input with its validation message and hint. */
export function TextField(props: { id: string; label: string; value: string; onChange(v: string): void; error?: string; hint?: string; type?: InputProps['type']; autoComplete?: string; required?: boolean }) {
  return (
    <Field label={props.label} validationMessage={props.error} validationState={props.error ? 'error' : 'none'} hint={props.hint} required={props.required}>
      <Input id={props.id} name={props.id} type={props.type ?? 'text'} value={props.value} autoComplete={props.autoComplete ?? 'off'} onChange={(_, d) => props.onChange(d.value)} />
    </Field>
  );
}
