import { useEffect, useState } from 'react';
import type { Said } from './States';

/**
 * One read as component state: the value, the error, what to announce (loading, then what the
 * value says), and retry(). A read that finishes after the component went away changes nothing.
 */
export function useLoad<T>(load: () => Promise<T>, announce: (value: T) => Said, deps: readonly unknown[]) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<Said | null>({ key: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let gone = false;
    setError(null);
    setStatus({ key: 'loading' });
    load()
      .then((v) => {
        if (gone) return;
        setValue(v);
        setStatus(announce(v));
      })
      .catch((e: unknown) => {
        if (gone) return;
        setError(e);
        // The error state says it itself.
        setStatus(null);
      });
    return () => {
      gone = true;
    };
    // The caller lists what the read depends on; `load` and `announce` are new closures each render.
  }, [...deps, attempt]);

  return { value, error, status, retry: () => setAttempt((n) => n + 1) };
}
