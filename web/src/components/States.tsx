import { Button, MessageBar, MessageBarActions, MessageBarBody, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { useI18n, type MessageKey } from '../i18n/i18n';
import { ApiError } from '../api';

const useStyles = makeStyles({
  empty: { padding: tokens.spacingVerticalL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, color: tokens.colorNeutralForeground2 },
});

export function LoadingState({ label }: { label?: string }) {
  const { t } = useI18n();
  return <Spinner size="small" labelPosition="after" label={label ?? t('loading')} />;
}

export function EmptyState({ title, hint }: { title: string; hint?: string }) {
  const s = useStyles();
  return (
    <div className={s.empty} role="status">
      <Text weight="semibold">{title}</Text>
      {hint ? <Text>{hint}</Text> : null}
    </div>
  );
}

/**
 * Something the page tells the person (a status, a notice, an error), kept as what it means and put
 * into words only when shown: a language switch then re-words what is already on screen.
 * `{ key, error }` puts the error's own sentence into the message's {message}.
 */
export type Said = { key: MessageKey; params?: Record<string, string | number>; error?: unknown } | { error: unknown };

export function useSay(): (said: Said) => string {
  const { t } = useI18n();
  const errorText = useErrorText();
  return (said) => {
    if ('key' in said) return t(said.key, { ...said.params, ...('error' in said && said.error !== undefined ? { message: errorText(said.error) } : {}) });
    return errorText(said.error);
  };
}

/** The message of an error as a person should read it (the API's own sentence, in their language). */
export function useErrorText(): (error: unknown) => string {
  const { t, language } = useI18n();
  return (error) => {
    if (error instanceof ApiError) return error.messages[language] ?? error.message;
    if (error instanceof TypeError) return t('errorNetwork');
    return t('errorGeneric', { message: error instanceof Error ? error.message : String(error) });
  };
}

export function ErrorState({ error, onRetry, children }: { error: unknown; onRetry?: () => void; children?: ReactNode }) {
  const { t } = useI18n();
  const text = useErrorText();
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>
        {text(error)}
        {children}
      </MessageBarBody>
      {onRetry ? (
        <MessageBarActions>
          <Button onClick={onRetry}>{t('retry')}</Button>
        </MessageBarActions>
      ) : null}
    </MessageBar>
  );
}

export function Notice({ intent, children, id }: { intent: 'success' | 'info' | 'warning' | 'error'; children: ReactNode; id?: string }) {
  return (
    <MessageBar intent={intent} id={id}>
      <MessageBarBody>{children}</MessageBarBody>
    </MessageBar>
  );
}
