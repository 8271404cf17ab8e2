// Small shared hooks: load JSON from the API (with reload), poll it, and a ticking clock.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | null;
  error: Error | null;
  reload: () => void;
}

export function useApi<T>(load: (() => Promise<T>) | null, deps: unknown[], pollMs = 0): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [n, setN] = useState(0);
  const reload = useCallback(() => setN((x) => x + 1), []);
  useEffect(() => {
    if (!load) return;
    let alive = true;
    let timer = 0;
    const run = () => {
      load().then(
        (d) => { if (alive) { setData(d); setError(null); } },
        (e) => { if (alive) setError(e as Error); },
      ).finally(() => {
        if (alive && pollMs) timer = window.setTimeout(run, pollMs);
      });
    };
    run();
    return () => { alive = false; clearTimeout(timer); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, n]);
  return { data, error, reload };
}

export function useLatest<T>(v: T) {
  const r = useRef(v);
  r.current = v;
  return r;
}
