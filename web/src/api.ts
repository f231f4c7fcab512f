import type { Language } from './i18n/i18n';

/** An API error as the app's endpoints answer it: { error: { code, message, problems } } in the caller's language. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: { path?: string; message: string }[] = [],
    /** The same message in each language, so an error already shown follows a language switch. */
    readonly messages: Partial<Record<Language, string>> = {},
    /** Field by field, when the endpoint names them (`body.name`), each in both languages. */
    readonly fields: { field: string; messages: Partial<Record<Language, string>> }[] = [],
  ) {
    super(message);
  }
}

export interface ApiClient {
  get<T>(path: string, params?: Record<string, string | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** A POST whose body is text as it is (a CSV file), sent with its own content type. */
  postText<T>(path: string, text: string, contentType: string): Promise<{ status: number; body: T }>;
  /** A binary download (an .eml, an attachment): bytes and the server's file name. */
  download(path: string): Promise<{ blob: Blob; filename: string | null }>;
}

/** Calls ../<path> (pages live under /api/web/) with the person's token and language. */
export function apiClient(token: () => string | null, language: () => Language): ApiClient {
  const headers = (extra: Record<string, string> = {}) => {
    const h: Record<string, string> = { 'accept-language': language(), ...extra };
    const tk = token();
    if (tk) h.authorization = `Bearer ${tk}`;
    return h;
  };
  const url = (path: string, params?: Record<string, string | undefined>) => {
    const u = new URL(`../${path}`, location.href);
    for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== '') u.searchParams.set(k, v);
    return u.toString();
  };
  const failure = async (response: Response) => {
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string; messages?: Partial<Record<Language, string>>; problems?: { path?: string; message: string }[]; details?: unknown } };
    const details = Array.isArray(body.error?.details) ? (body.error.details as { field?: unknown; messages?: unknown }[]) : [];
    const fields = details.filter((d) => typeof d.field === 'string' && d.messages && typeof d.messages === 'object').map((d) => ({ field: d.field as string, messages: d.messages as Partial<Record<Language, string>> }));
    return new ApiError(response.status, body.error?.code ?? 'http_error', body.error?.message ?? response.statusText, body.error?.problems ?? [], body.error?.messages ?? {}, fields);
  };
  return {
    async get<T>(path: string, params?: Record<string, string | undefined>) {
      const response = await fetch(url(path, params), { headers: headers() });
      if (!response.ok) throw await failure(response);
      return (await response.json()) as T;
    },
    async post<T>(path: string, body?: unknown) {
      const response = await fetch(url(path), {
        method: 'POST',
        headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw await failure(response);
      return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
    },
    async postText<T>(path: string, text: string, contentType: string) {
      const response = await fetch(url(path), { method: 'POST', headers: headers({ 'content-type': contentType }), body: text });
      if (!response.ok) throw await failure(response);
      return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
    },
    async download(path: string) {
      const response = await fetch(url(path), { headers: headers() });
      if (!response.ok) throw await failure(response);
      const cd = response.headers.get('content-disposition') ?? '';
      const m = /filename\*=UTF-8''([^;]+)/.exec(cd) ?? /filename="([^"]+)"/.exec(cd);
      return { blob: await response.blob(), filename: m?.[1] ? decodeURIComponent(m[1]) : null };
    },
  };
}

/** Saves a blob under a file name through a temporary link (no pop-up, no navigation). */
export function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
