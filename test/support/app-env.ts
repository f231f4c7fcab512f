import { inject } from 'vitest';
import { HttpRequest, InvocationContext, type HttpRequestInit } from '@azure/functions';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { resetClientsForTests } from '../../shared/platform/adapters/clients';
import { resetResidencyForTests } from '../../shared/platform/adapters/residency-check';
import { resetHealthForTests } from '../../shared/platform/adapters/dependency-probes';
import type { TokenIssuer } from '../../dev/token-issuer';

/**
 * Points the app's settings at this run's emulators and the given token issuer, and forgets any
 * settings, clients and residency verdict cached by an earlier test.
 */
export async function useAppEnvironment(issuer: TokenIssuer, overrides: Record<string, string | undefined> = {}): Promise<void> {
  const env: Record<string, string | undefined> = {
    LOCAL_MODE: 'true',
    DEPLOYMENT_REGION: 'canadacentral',
    AzureWebJobsStorage: inject('azurite').connectionString,
    CosmosDb: inject('cosmos').connectionString,
    COSMOS_DATABASE: 'spgq-test',
    AZURE_SEARCH_ENDPOINT: inject('search').endpoint,
    AZURE_SEARCH_API_KEY: inject('search').apiKey,
    ServiceBusConnection: 'Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=local;SharedAccessKey=bG9jYWw=;UseDevelopmentEmulator=true',
    GRAPH_BASE_URL: 'https://127.0.0.1:1/v1.0',
    AUTH_TENANT_ID: issuer.tenantId,
    AUTH_CLIENT_ID: issuer.clientId,
    AUTH_AUTHORITY: issuer.authority,
    WEBSITE_INSTANCE_ID: undefined,
    WEBSITE_SITE_NAME: undefined,
    REGION_NAME: undefined,
    ...overrides,
  };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetSettingsForTests();
  resetResidencyForTests();
  resetHealthForTests();
  await resetClientsForTests();
}

export function httpRequest(init: HttpRequestInit & { json?: unknown }): HttpRequest {
  const { json, ...rest } = init;
  return new HttpRequest({
    method: 'GET',
    url: 'http://localhost:7071/api/test',
    ...rest,
    ...(json === undefined ? {} : { body: { string: JSON.stringify(json) } }),
    headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...(rest.headers as Record<string, string> | undefined) },
  });
}

export interface CapturedLogs {
  lines: string[];
  context: InvocationContext;
}

export function invocation(functionName = 'test'): CapturedLogs {
  const lines: string[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: `inv-${Math.random().toString(16).slice(2)}`,
    logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')),
  });
  return { lines, context };
}
