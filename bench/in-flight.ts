/**
 * Requests in flight from this process to each named port, averaged over time: shows that the
 * raw phase of bench:archive writes at the concurrency the pipeline's writes actually had.
 * Counts Node http requests (the Azure SDKs' transport) from their start to their response (or
 * their failure).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

interface Tally {
  now: number;
  area: number;
  since: number;
  max: number;
}

export function inFlightMeter(ports: Record<string, number>): () => Record<string, { average: number; max: number }> {
  const started = performance.now();
  const tallies = new Map<number, Tally>(Object.values(ports).map((port) => [port, { now: 0, area: 0, since: started, max: 0 }]));
  const change = (delta: number) => (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    const port = Number(/:(\d+)$/.exec(String(request.getHeader('host') ?? ''))?.[1]);
    const tally = tallies.get(port);
    if (!tally) return;
    const at = performance.now();
    tally.area += tally.now * (at - tally.since);
    tally.since = at;
    tally.now += delta;
    tally.max = Math.max(tally.max, tally.now);
  };
  const start = change(1);
  const finish = change(-1);
  subscribe('http.client.request.start', start);
  subscribe('http.client.response.finish', finish);
  subscribe('http.client.request.error', finish);
  return () => {
    unsubscribe('http.client.request.start', start);
    unsubscribe('http.client.response.finish', finish);
    unsubscribe('http.client.request.error', finish);
    const at = performance.now();
    return Object.fromEntries(Object.entries(ports).map(([name, port]) => {
      const tally = tallies.get(port)!;
      const area = tally.area + tally.now * (at - tally.since);
      return [name, { average: area / (at - started), max: tally.max }];
    }));
  };
}

export function describeInFlight(figures: Record<string, { average: number; max: number }>): string {
  return Object.entries(figures).map(([name, f]) => `${name} ${f.average.toFixed(1)} (max ${f.max})`).join(', ');
}
