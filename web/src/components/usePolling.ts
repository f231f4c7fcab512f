import { useCallback, useEffect, useRef, useState } from 'react';

export interface PollOptions<T> {
  intervalMs?: number;
  timeoutMs?: number;
  onUpdate?: (value: T) => void;
  /** Checked between reads: true stops the follow (the component went away, a newer follow began). */
  cancelled?: () => boolean;
}

/**
 * Follows a background job: reads every `intervalMs` until `done(value)`, `timeoutMs` or
 * cancellation; gives the last value read. Export jobs (202, then GET until completed) and
 * verification passes are followed this way.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, options: PollOptions<T> = {}): Promise<T | null> {
  const { intervalMs = 2000, timeoutMs = 5 * 60_000 } = options;
  const started = Date.now();
  let last: T | null = null;
  for (;;) {
    if (options.cancelled?.()) return last;
    last = await read();
    if (options.cancelled?.()) return last;
    options.onUpdate?.(last);
    if (done(last) || Date.now() - started > timeoutMs) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** pollUntil as component state: the value, the error, whether it runs; start() (re)starts it. */
export function usePolling<T>(read: () => Promise<T>, done: (value: T) => boolean, options: Omit<PollOptions<T>, 'cancelled'> = {}) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const generation = useRef(0);
  const latest = useRef({ read, done, options });
  latest.current = { read, done, options };
  useEffect(() => () => void (generation.current += 1), []);
  const start = useCallback(async () => {
    const mine = ++generation.current;
    const cancelled = () => mine !== generation.current;
    setRunning(true);
    setError(null);
    try {
      await pollUntil(() => latest.current.read(), (v) => latest.current.done(v), {
        ...latest.current.options,
        cancelled,
        onUpdate: (v) => {
          setValue(v);
          latest.current.options.onUpdate?.(v);
        },
      });
    } catch (e) {
      if (!cancelled()) setError(e);
    } finally {
      if (!cancelled()) setRunning(false);
    }
  }, []);
  return { value, error, running, start };
}
