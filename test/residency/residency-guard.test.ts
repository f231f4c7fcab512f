import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { parseSettings } from '../../shared/platform/settings';
import { checkStaticResidency, configuredEndpoints, ResidencyViolation } from '../../shared/platform/residency/residency-guard';
import { verifyResidency, readCosmosAccountLocations } from '../../shared/platform/adapters/residency-check';
import { startCosmosEmulator, type CosmosEmulatorInstance } from '../../dev/local-stack/cosmos';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { me } from '../../functions/platform/me';
import { useAppEnvironment, httpRequest, invocation } from '../support/app-env';
import { azureEnv, CLIENT, TENANT } from '../support/settings-env';

const azure = azureEnv;
const local = {
  LOCAL_MODE: 'true',
  AzureWebJobsStorage: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1',
  ServiceBusConnection: 'Endpoint=sb://localhost:5672;SharedAccessKeyName=k;SharedAccessKey=dg==;UseDevelopmentEmulator=true',
  CosmosDb: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
  GRAPH_BASE_URL: 'https://127.0.0.1:8443/v1.0',
  AUTH_AUTHORITY: 'http://127.0.0.1:7500',
  AUTH_TENANT_ID: TENANT,
  AUTH_CLIENT_ID: CLIENT,
};

const findingsFor = (env: Record<string, string>) => {
  const s = parseSettings(env);
  return checkStaticResidency(s, configuredEndpoints(s));
};

describe('residency guard (no network)', () => {
  it('accepts an app in Canada Central or Canada East with Azure public-cloud endpoints', () => {
    expect(findingsFor(azure)).toEqual([]);
    expect(findingsFor({ ...azure, DEPLOYMENT_REGION: 'Canada East', REGION_NAME: 'Canada East' })).toEqual([]);
  });

  it('refuses a deployment region outside Canada, naming it', () => {
    const findings = findingsFor({ ...azure, DEPLOYMENT_REGION: 'westeurope' });
    expect(findings).toEqual([expect.objectContaining({ subject: 'DEPLOYMENT_REGION', region: 'westeurope' })]);
    expect(new ResidencyViolation(findings).message).toMatch(/DEPLOYMENT_REGION in region "westeurope": outside Canada/);
  });

  it('refuses when Azure reports the app itself runs outside Canada', () => {
    expect(findingsFor({ ...azure, REGION_NAME: 'East US' })).toEqual([expect.objectContaining({ region: 'eastus', problem: 'outside Canada' })]);
  });

  it('refuses a regional endpoint outside Canada and a sovereign-cloud host, naming the endpoint', () => {
    const findings = findingsFor({
      ...azure,
      CosmosDb__accountEndpoint: 'https://cosmos-spgq-westus.documents.azure.com:443/',
      ServiceBusConnection__fullyQualifiedNamespace: 'sb-spgq.servicebus.usgovcloudapi.net',
    });
    expect(findings.map((f) => [f.subject, f.endpoint, f.region])).toEqual(
      expect.arrayContaining([
        ['CosmosDb__accountEndpoint', 'https://cosmos-spgq-westus.documents.azure.com', 'westus'],
        ['ServiceBusConnection__fullyQualifiedNamespace', 'sb://sb-spgq.servicebus.usgovcloudapi.net', undefined],
      ]),
    );
  });

  it('refuses an endpoint host it cannot vouch for', () => {
    const findings = findingsFor({ ...azure, GRAPH_BASE_URL: 'https://graph.example.com/v1.0' });
    expect(findings).toEqual([expect.objectContaining({ subject: 'GRAPH_BASE_URL', endpoint: 'https://graph.example.com' })]);
  });

  it('accepts loopback emulators only when local mode is explicitly on', () => {
    expect(findingsFor(local)).toEqual([]);
    // Settings already refuse an http authority outside local mode; over https, the guard still refuses loopback.
    expect(() => parseSettings({ ...local, LOCAL_MODE: 'false' })).toThrow(/AUTH_AUTHORITY: must be an https URL/);
    const withoutLocalMode = findingsFor({ ...local, LOCAL_MODE: 'false', AUTH_AUTHORITY: 'https://127.0.0.1:7500' });
    expect(withoutLocalMode.map((f) => f.subject)).toEqual(
      expect.arrayContaining(['AzureWebJobsStorage (BlobEndpoint)', 'ServiceBusConnection', 'CosmosDb', 'GRAPH_BASE_URL', 'AUTH_AUTHORITY']),
    );
  });

  it('never accepts local mode or loopback endpoints in a deployed app', () => {
    expect(() => parseSettings({ ...local, WEBSITE_INSTANCE_ID: 'abc123' })).toThrow(/AUTH_AUTHORITY/);
    const findings = findingsFor({ ...local, AUTH_AUTHORITY: 'https://127.0.0.1:7500', WEBSITE_INSTANCE_ID: 'abc123' });
    expect(findings.map((f) => f.subject)).toEqual(expect.arrayContaining(['LOCAL_MODE', 'CosmosDb', 'ServiceBusConnection']));
  });
});

describe('residency guard against a Cosmos DB account', () => {
  let usEast: CosmosEmulatorInstance;
  let issuer: TokenIssuer;
  beforeAll(async () => {
    [usEast, issuer] = await Promise.all([startCosmosEmulator({ locations: ['Canada Central', 'East US'] }), startTokenIssuer()]);
  });
  afterAll(async () => {
    await Promise.all([usEast.stop(), issuer.stop()]);
  });

  it('reads the account locations and refuses a location outside Canada, naming account and region', async () => {
    await useAppEnvironment(issuer, { CosmosDb: usEast.connectionString });
    const s = parseSettings(process.env);
    const failure = await verifyResidency(s, readCosmosAccountLocations).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ResidencyViolation);
    expect((failure as ResidencyViolation).message).toContain(`Cosmos DB account (${usEast.endpoint}/) in region "East US": writable location outside Canada`);
    expect((failure as ResidencyViolation).findings).toHaveLength(2); // writable and readable
  });

  it('serves no data while the check fails: endpoints answer 503 residency_violation', async () => {
    await useAppEnvironment(issuer, { CosmosDb: usEast.connectionString });
    const { context } = invocation('me');
    const token = await issuer.mintUserToken(DEMO_USERS[0]!);
    const response = await me(httpRequest({ headers: { authorization: `Bearer ${token}` } }), context);
    expect(response.status).toBe(503);
    expect((response.jsonBody as { error: { code: string } }).error.code).toBe('residency_violation');
  });

  it('serves once the account is in Canada', async () => {
    await useAppEnvironment(issuer);
    const { context } = invocation('me');
    const user = DEMO_USERS[1]!;
    const response = await me(httpRequest({ headers: { authorization: `Bearer ${await issuer.mintUserToken(user)}` } }), context);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ oid: user.oid, roles: ['Staff', 'Manager'] });
  });
});

describe('the function entry refuses to load', () => {
  const load = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', '-e', "require('./functions/index.ts')"], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('with a deployment region outside Canada, naming the setting and region', () => {
    const result = load({ ...local, DEPLOYMENT_REGION: 'westeurope' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/DEPLOYMENT_REGION in region "westeurope": outside Canada/);
  });

  it('with a missing setting, naming it', () => {
    const { AUTH_TENANT_ID: _omitted, ...rest } = local;
    const result = load(rest);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/AUTH_TENANT_ID: missing \(example: /);
  });

  it('loads with valid local settings', () => {
    const result = load(local);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
  });
});
