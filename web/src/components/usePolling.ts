import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Follows a background job: calls `read` every `intervalMs` until `done(value)` or `timeoutMs`.
 * Used for export jobs (202, then GET until completed) and verification passes. Stops when the
 * component goes away; a new start() replaces the previous follow.
 */
export function usePolling<T>(read: () => Promise<T>, done: (value: T) => boolean, options: { intervalMs?: number; timeoutMs?: number; onUpdate?: (value: T) => void } = {}) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const generation = useRef(0);
  const latest = useRef({ read, done, options });
  latest.current = { read, done, options };
  useEffect(() => () => void (generation.current += 1), []);
  const start = useCallback(async () => {
    const mine = ++generation.current;
    const { intervalMs = 2000, timeoutMs = 5 * 60_000 } = latest.current.options;
    const started = Date.now();
    setRunning(true);
    setError(null);
    try {
      for (;;) {
        const v = await latest.current.read();
        if (mine !== generation.current) return;
        setValue(v);
        latest.current.options.onUpdate?.(v);
        if (latest.current.done(v) || Date.now() - started > timeoutMs) break;
        await new Promise((r) => setTimeout(r, intervalMs));
        if (mine !== generation.current) return;
      }
    } catch (e) {
      if (mine === generation.current) setError(e);
    } finally {
      if (mine === generation.current) setRunning(false);
    }
  }, []);
  return { value, error, running, start };
}
