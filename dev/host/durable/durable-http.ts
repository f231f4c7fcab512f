import { EventType, type HistoryEvent } from './history-events';

/** The name the extension gives the built-in activity behind `context.df.callHttp`. */
export const HTTP_ACTIVITY = 'BuiltIn::HttpActivity';

/** The DurableHttpRequest durable-functions puts in a CallHttp action. */
interface DurableHttpRequest {
  method?: string;
  uri?: string;
  content?: string;
  headers?: Record<string, string>;
  tokenSource?: unknown;
  asynchronousPatternEnabled?: boolean;
}

/** The extension's default wait between polls when a 202 has no Retry-After (its defaultHttpAsyncRequestSleepTimeMillseconds). */
export const DEFAULT_POLL_MS = 30_000;

export interface PollState {
  /** The Location a previous run of this call was polling, if the host stopped mid-poll. */
  load(): Promise<string | undefined>;
  save(location: string): Promise<void>;
}

/**
 * Runs a durable HTTP call as the extension does under replay schema V1: sends the request and, when
 * the answer is 202 with a Location and the asynchronous pattern is on (the default), polls that
 * Location with GET, waiting Retry-After seconds (30 s without it) between polls, until the answer
 * is not 202. The final answer becomes the task's result ({ statusCode, headers, content }); a
 * request that cannot be sent fails the task. Managed-identity tokens (tokenSource) are not
 * available locally and fail the task, saying so. The Location being polled is saved, so a host
 * restarted mid-poll resumes there instead of sending the request a second time.
 */
export async function runDurableHttp(scheduled: HistoryEvent, stopped: () => boolean, poll: PollState): Promise<Omit<HistoryEvent, 'EventId' | 'IsPlayed' | 'Timestamp' | 'TaskScheduledId'> | undefined> {
  const request = JSON.parse(scheduled.Input ?? '{}') as DurableHttpRequest;
  if (request.tokenSource) {
    return { EventType: EventType.TaskFailed, Reason: 'Durable HTTP calls with a managed identity token source are not supported by the local host.', Details: '' };
  }
  if (!request.uri) return { EventType: EventType.TaskFailed, Reason: 'The durable HTTP request has no URI.', Details: '' };
  try {
    // A host restarted mid-poll resumes at the saved Location rather than sending the request again.
    const resumeAt = await poll.load();
    let response = resumeAt
      ? await send('GET', resumeAt, withoutContentHeaders(request.headers))
      : await send(request.method ?? 'GET', request.uri, request.headers, request.content);
    while (response.statusCode === 202 && request.asynchronousPatternEnabled !== false && header(response.headers, 'location')) {
      const retryAfter = Number(header(response.headers, 'retry-after'));
      await poll.save(new URL(header(response.headers, 'location')!, request.uri).href);
      await sleep(Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : DEFAULT_POLL_MS, stopped);
      if (stopped()) return undefined;
      const location = new URL(header(response.headers, 'location')!, request.uri).href;
      response = await send('GET', location, withoutContentHeaders(request.headers));
    }
    return { EventType: EventType.TaskCompleted, Result: JSON.stringify(response) };
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    return { EventType: EventType.TaskFailed, Reason: `Durable HTTP ${request.method ?? 'GET'} ${request.uri} failed: ${(e as Error).message}${cause ? ` (${cause})` : ''}`, Details: (e as Error).stack ?? '' };
  }
}

async function send(method: string, uri: string, headers: Record<string, string> = {}, content?: string) {
  const res = await fetch(uri, { method, headers, body: content ?? undefined, redirect: 'manual' });
  const responseHeaders: Record<string, string> = {};
  res.headers.forEach((value, key) => (responseHeaders[key] = value));
  return { statusCode: res.status, headers: responseHeaders, content: await res.text() };
}

function header(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function withoutContentHeaders(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-/i.test(k)));
}

async function sleep(ms: number, stopped: () => boolean) {
  const end = Date.now() + ms;
  while (Date.now() < end && !stopped()) await new Promise((r) => setTimeout(r, Math.min(250, end - Date.now())));
}
