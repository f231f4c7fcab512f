import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseSettings, SettingsError } from '../../shared/platform/settings';
import { azureEnv, CLIENT, TENANT } from '../support/settings-env';

const azure = azureEnv;

function problems(env: Record<string, string>) {
  try {
    parseSettings(env);
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return e as SettingsError;
  }
  throw new Error('settings were accepted');
}

describe('settings', () => {
  it('reads identity-based connections in Azure, with no secret anywhere', () => {
    const s = parseSettings(azure, '1.2.3');
    expect(s.deployed).toBe(true);
    expect(s.localMode).toBe(false);
    expect(s.storage).toEqual({
      mode: 'identity',
      blobServiceUri: 'https://stspgqprod.blob.core.windows.net',
      queueServiceUri: 'https://stspgqprod.queue.core.windows.net',
      tableServiceUri: 'https://stspgqprod.table.core.windows.net',
      clientId: undefined,
    });
    expect(s.serviceBus).toMatchObject({ mode: 'identity', fullyQualifiedNamespace: 'sb-spgq.servicebus.windows.net' });
    expect(s.cosmos).toEqual({ endpoint: 'https://cosmos-spgq.documents.azure.com:443/', database: 'spgq' });
    expect(s.graph.baseUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(s.auth.authority).toBe('https://login.microsoftonline.com');
    expect(s.appVersion).toBe('1.2.3');
  });

  it('the sample local settings parse as they are', () => {
    const sample = JSON.parse(readFileSync('local.settings.sample.json', 'utf8')) as { IsEncrypted: boolean; Values: Record<string, string> };
    expect(sample.IsEncrypted).toBe(false);
    const s = parseSettings(sample.Values);
    expect(s.localMode).toBe(true);
    expect(s.storage.mode).toBe('connectionString');
    expect(s.cosmos.key).toBeTruthy();
  });

  it('names every missing setting with an example', () => {
    const error = problems({});
    expect(error.problems.map((p) => p.setting).sort()).toEqual(['AUTH_CLIENT_ID', 'AUTH_TENANT_ID']);
    expect(error.message).toContain('AUTH_TENANT_ID: missing (example: ');
    const next = problems({ AUTH_TENANT_ID: TENANT, AUTH_CLIENT_ID: CLIENT });
    expect(next.problems.map((p) => p.setting).sort()).toEqual(['AzureWebJobsStorage', 'CosmosDb', 'ServiceBusConnection']);
    expect(next.message).toMatch(/ServiceBusConnection: missing: set ServiceBusConnection__fullyQualifiedNamespace/);
  });

  it('names a malformed value and what is wrong with it', () => {
    const error = problems({ ...azure, AUTH_TENANT_ID: 'contoso', HTTP_MAX_BODY_BYTES: '-5', LOCAL_MODE: 'maybe', CosmosDb__accountEndpoint: 'cosmos' });
    const bySetting = Object.fromEntries(error.problems.map((p) => [p.setting, p.problem]));
    expect(bySetting.AUTH_TENANT_ID).toBe('expected a GUID');
    expect(bySetting.HTTP_MAX_BODY_BYTES).toBe('expected a positive number');
    expect(bySetting.LOCAL_MODE).toBe('expected true or false');
    expect(bySetting.CosmosDb__accountEndpoint).toBe('expected an http(s) URL');
    // A verification pass must end inside the 30-minute function timeout.
    expect(Object.fromEntries(problems({ ...azure, ARCHIVE_INTEGRITY_BUDGET_MINUTES: '30' }).problems.map((p) => [p.setting, p.problem]))).toEqual({ ARCHIVE_INTEGRITY_BUDGET_MINUTES: 'between 1 and 25' });
    expect(error.message).toContain('HTTP_MAX_BODY_BYTES: expected a positive number (example: 1048576)');
  });

  it('refuses connection strings that are not what their name says', () => {
    const error = problems({ AUTH_TENANT_ID: TENANT, AUTH_CLIENT_ID: CLIENT, AzureWebJobsStorage: 'hello', ServiceBusConnection: 'Endpoint=https://x', CosmosDb: 'AccountEndpoint=nope' });
    expect(error.problems.map((p) => p.setting).sort()).toEqual(['AzureWebJobsStorage', 'CosmosDb', 'ServiceBusConnection']);
  });

  it('treats empty values as not set, as the Functions host does', () => {
    const error = problems({ ...azure, AUTH_CLIENT_ID: '' });
    expect(error.problems).toEqual([expect.objectContaining({ setting: 'AUTH_CLIENT_ID', problem: 'missing' })]);
  });

  it('knows it is deployed from any of the markers App Service, Functions and Container Apps set, not only two', () => {
    const bare = { ...azure } as Record<string, string>;
    delete bare.WEBSITE_INSTANCE_ID;
    expect(parseSettings(bare).deployed).toBe(false);
    for (const marker of ['WEBSITE_RESOURCE_GROUP', 'WEBSITE_OWNER_NAME', 'WEBSITE_SKU', 'IDENTITY_ENDPOINT', 'CONTAINER_APP_NAME', 'REGION_NAME']) {
      expect({ marker, deployed: parseSettings({ ...bare, [marker]: marker === 'IDENTITY_ENDPOINT' ? 'http://169.254.129.2:8081/msi/token' : 'Canada Central' }).deployed }).toEqual({ marker, deployed: true });
    }
  });

  it('refuses an AUTH_AUTHORITY that is not https, except a loopback token issuer in local mode', () => {
    expect(Object.fromEntries(problems({ ...azure, AUTH_AUTHORITY: 'http://login.microsoftonline.com' }).problems.map((p) => [p.setting, p.problem]))).toEqual({
      AUTH_AUTHORITY: expect.stringMatching(/https/),
    });
    expect(Object.fromEntries(problems({ ...azure, AUTH_AUTHORITY: 'http://127.0.0.1:7500' }).problems.map((p) => [p.setting, p.problem]))).toEqual({
      AUTH_AUTHORITY: expect.stringMatching(/https/),
    });
    const local = JSON.parse(readFileSync('local.settings.sample.json', 'utf8')).Values as Record<string, string>;
    expect(parseSettings({ ...local, AUTH_AUTHORITY: 'http://127.0.0.1:7500' }).auth.authority).toBe('http://127.0.0.1:7500');
    expect(problems({ ...local, AUTH_AUTHORITY: 'http://issuer.example' }).problems.map((p) => p.setting)).toEqual(['AUTH_AUTHORITY']);
  });

  it('takes the allowed client apps as comma-separated GUIDs, defaulting to the Teams clients', () => {
    expect(parseSettings(azure).auth.allowedClientApps).toBeUndefined();
    expect(parseSettings({ ...azure, AUTH_ALLOWED_CLIENT_APPS: ' 5E3CE6C0-2B1F-4285-8D4B-75EE78787346 , 1fec8e78-bce4-4aaf-ab1b-5451cc387264' }).auth.allowedClientApps).toEqual([
      '5e3ce6c0-2b1f-4285-8d4b-75ee78787346',
      '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
    ]);
    expect(problems({ ...azure, AUTH_ALLOWED_CLIENT_APPS: 'teams,outlook' }).problems.map((p) => p.setting)).toEqual(['AUTH_ALLOWED_CLIENT_APPS']);
  });

  it('takes the public URL links are built from from APP_PUBLIC_URL: https when deployed, an origin only', () => {
    expect(parseSettings({ ...azure, APP_PUBLIC_URL: 'https://relais.syndicat-exemple.ca/' }).publicUrl).toBe('https://relais.syndicat-exemple.ca');
    expect(problems({ ...azure, APP_PUBLIC_URL: 'http://func-spgq.azurewebsites.net' }).problems.map((p) => p.setting)).toEqual(['APP_PUBLIC_URL']);
    expect(problems({ ...azure, APP_PUBLIC_URL: 'https://func-spgq.azurewebsites.net/api?x=1' }).problems.map((p) => p.setting)).toEqual(['APP_PUBLIC_URL']);
  });
});
