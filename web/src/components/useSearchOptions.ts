import { useEffect, useRef, useState } from 'react';

/**
 * Options of a search-as-you-type picker: `search` runs a short pause after the last keystroke (one
 * request per word, not per key), and only the newest answer is kept (an older, slower one that
 * arrives later is dropped). A failed search shows no options.
 *
 * Options are only ever those answering the text now in the box: while a newer answer is on its way
 * the picker shows that it is searching instead of the previous list, so a click can never land on a
 * list that is about to be replaced under the pointer (on a slow connection the old list would
 * reorder as the new one arrives, and the click choose someone else or nobody).
 */
export function useSearchOptions<T>(query: string, search: (query: string | undefined) => Promise<T[]>, deps: readonly unknown[]) {
  const [answer, setAnswer] = useState<{ query: string; items: T[] } | null>(null);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      search(query.trim() || undefined)
        .then((found) => mine === seq.current && setAnswer({ query, items: found }))
        .catch(() => mine === seq.current && setAnswer({ query, items: [] }));
    }, 200);
    return () => clearTimeout(timer);
    // `search` is a new closure each render; the caller lists what it depends on.
  }, [query, ...deps]);
  const current = answer?.query === query;
  return { options: current ? answer.items : [], loading: !current };
}
