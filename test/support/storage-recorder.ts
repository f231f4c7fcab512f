import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent (e.g. `/devstoreaccount1/mail-content/sha256/ab/...?comp=legalhold`). */
  path: string;
  headers: IncomingHttpHeaders;
}

/** What to answer in Azure's place: a status, and for an error Azure's error code. */
export interface AzureAnswer {
  status: number;
  code?: string;
}

export interface StorageRecorder {
  /** Azurite's connection string with the blob endpoint pointing at the recorder. */
  connectionString: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of Azurite's blob endpoint that records each request the real
 * Azure SDK sends (method, path, headers), so a test can check the requests behind an Azure-only
 * feature that Azurite ignores or answers 501 (immutability, legal hold). `answer` may reply in
 * Azure's place, with Azure's status and error code, to a request Azurite cannot answer as Azure
 * does; everything else reaches Azurite unchanged (Shared Key signatures do not cover the port).
 */
export async function startStorageRecorder(azuriteConnectionString: string, answer?: (r: RecordedRequest) => AzureAnswer | undefined): Promise<StorageRecorder> {
  const endpoint = new URL(/BlobEndpoint=([^;]+)/.exec(azuriteConnectionString)![1]!);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
    requests.push(recorded);
    const answered = answer?.(recorded);
    if (answered) {
      req.resume();
      const body = answered.code
        ? `<?xml version="1.0" encoding="utf-8"?><Error><Code>${answered.code}</Code><Message>Answered by the test in Azure's place.</Message></Error>`
        : '';
      res.writeHead(answered.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(body),
        'x-ms-request-id': 'recorder',
        'x-ms-version': String(req.headers['x-ms-version'] ?? ''),
        ...(answered.code ? { 'x-ms-error-code': answered.code } : {}),
      });
      res.end(body);
      return;
    }
    const upstream = request({ host: endpoint.hostname, port: endpoint.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    connectionString: azuriteConnectionString.replace(/BlobEndpoint=http:\/\/[^/;]+/, `BlobEndpoint=http://127.0.0.1:${port}`),
    requests,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
