import { useEffect, useRef, useState } from 'react';

/**
 * Options of a search-as-you-type picker: `search` runs a short pause after the last keystroke (one
 * request per word, not per key), and only the newest answer is kept (an older, slower one that
 * arrives later is dropped). A failed search shows no options.
 */
export function useSearchOptions<T>(query: string, search: (query: string | undefined) => Promise<T[]>, deps: readonly unknown[]) {
  const [options, setOptions] = useState<T[]>([]);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      setLoading(true);
      search(query.trim() || undefined)
        .then((found) => mine === seq.current && setOptions(found))
        .catch(() => mine === seq.current && setOptions([]))
        .finally(() => mine === seq.current && setLoading(false));
    }, 200);
    return () => clearTimeout(timer);
    // `search` is a new closure each render; the caller lists what it depends on.
  }, [query, ...deps]);
  return { options, loading };
}
