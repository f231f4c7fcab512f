/**
 * Template tests: what infra/*.bicep deploys, checked against what the code needs, without Azure or
 * the Bicep CLI (docs/decisions/0016-deployment.md, "Testing the templates"). Each check names the
 * resource and the rule it breaks, so a failure says what to fix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { at, evalString, Expr, Interp, isObject, parseBicep, readBicep, type BicepObject, type BicepValue } from './bicep-reader';
import { CANADIAN, INFRA, locationValues, ROOT, Template } from './template-facts';
import { SETTING_NAMES } from '../../shared/platform/settings';
import { CONTAINERS } from '../../shared/archive/model';
import { GRAPH_SLOT_CONTAINER } from '../../shared/platform/adapters/graph-budget';
import { HEARTBEAT_PREFIX } from '../../shared/relay/contract';
import { APP_ROLES, APPLICATION_ROLES } from '../../shared/platform/roles';
import { parseConfig as parseAgentConfig } from '../../onprem-agent/src/config';

const main = new Template(path.join(INFRA, 'main.bicep'));
const paramFiles = readdirSync(path.join(INFRA, 'params'), { withFileTypes: true })
  .filter((f) => f.isFile() && f.name.endsWith('.bicepparam'))
  .map((f) => ({ env: f.name.replace('.bicepparam', ''), file: readBicep(path.join(INFRA, 'params', f.name)) }));
const paramValue = (env: string, name: string) => paramFiles.find((p) => p.env === env)?.file.declarations.find((d) => d.name === name)?.value;
const json = (rel: string) => JSON.parse(readFileSync(path.join(ROOT, rel), 'utf8')) as Record<string, unknown>;
const sourceFiles = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.ts'))
    .map((f) => path.join(f.parentPath, f.name));

/** The function app's settings as name -> value. */
function appSettings(): Map<string, BicepValue> {
  const app = main.one('Microsoft.Web/sites');
  const list = at(main.body(app), 'properties.siteConfig.appSettings');
  if (!Array.isArray(list)) throw new Error('functionApp: properties.siteConfig.appSettings is not a literal list');
  return new Map(list.filter(isObject).map((s): [string, BicepValue] => [String(s.name), s.value ?? null]));
}
const settingLiteral = (name: string) => {
  const v = appSettings().get(name);
  return typeof v === 'string' ? v : undefined;
};

/** A resource symbol's type and (literal) name, as roles and checks refer to it. */
function describeSymbol(symbol: string): string {
  const d = main.get(symbol.trim());
  if (!d || d.kind !== 'resource') return `<${symbol}>`;
  const type = d.type.split('@')[0] ?? d.type;
  const name = main.body(d).name;
  return typeof name === 'string' && type.split('/').length > 2 ? `${type}:${name}` : type;
}

describe('the reader sees what the checks below rely on', () => {
  it('reads declarations, interpolation, loops, conditions and comments holding quotes', () => {
    const Q3 = "'''";
    const file = parseBicep(
      [
        "// a comment with 'quotes' and { braces",
        '@minLength(2)',
        "@allowed(['a', 'b'])",
        "param p string = 'a' // trailing 'comment'",
        'var items = [',
        "  { name: 'one', on: true }",
        "  { name: 'two', on: false }",
        ']',
        `var text = ${Q3}`,
        "multi 'line'",
        Q3,
        "resource r 'Ns/type@2024-01-01' = [for i in items: if (i.on) {",
        "  name: '${p}-${i.name}'",
        "  properties: { url: 'https://x/${p}', flag: i.on ? 'yes' : 'no', list: [1, 'two'] }",
        '}]',
        "resource e 'Ns/type@2024-01-01' existing = {",
        "  name: 'e'",
        '}',
        'output o string = r[0].name',
      ].join('\n'),
    );
    const t = new Template(path.join(INFRA, 'main.bicep'));
    Object.assign(t, { file });
    expect(file.declarations.map((d) => `${d.kind} ${d.name}`)).toEqual(['param p', 'var items', 'var text', 'resource r', 'resource e', 'output o']);
    expect(t.allowed('p')).toEqual(['a', 'b']);
    expect(t.decorator(t.param('p')!, 'minLength')).toBe('2');
    expect(t.varValue('text')).toBe("\nmulti 'line'\n");
    const bodies = t.instances(t.get('r')!);
    expect(bodies.map((b) => evalString(b.body.name, { p: 'x' }))).toEqual(['x-one', 'x-two']);
    expect(bodies.map((b) => b.condition)).toEqual(['true', 'false']);
    expect(at(bodies[0]?.body, 'properties.list')).toEqual([1, 'two']);
    expect((at(bodies[0]?.body, 'properties.flag') as Expr).raw).toBe("true ? 'yes' : 'no'");
    expect(t.get('e')?.existing).toBe(true);
  });

  it('flags a location outside Canada and an unconstrained one', () => {
    // The location check must be able to fail: a literal US region, and a param with no @allowed.
    const t = new Template(path.join(INFRA, 'main.bicep'));
    Object.assign(t, { file: parseBicep("param where string\nresource x 'A/b@1' = {\n  name: 'x'\n  location: where\n}\nresource y 'A/b@1' = {\n  name: 'y'\n  location: 'eastus'\n}\n") });
    const values = t.resources().flatMap((r) => locationValues(t, t.body(r).location));
    expect(values).toEqual(['<unconstrained where>', 'eastus']);
  });
});

describe('residency: every resource is in a Canadian region or global', () => {
  it('has only Canadian or global locations, in every template and parameter file', () => {
    const wrong: string[] = [];
    for (const file of readdirSync(INFRA).filter((f) => f.endsWith('.bicep'))) {
      const t = new Template(path.join(INFRA, file));
      for (const r of t.resources()) {
        for (const { body } of t.instances(r)) {
          if (body.location === undefined) continue;
          for (const v of locationValues(t, body.location)) if (![...CANADIAN, 'global'].includes(v)) wrong.push(`${file} ${r.name}.location: ${v}`);
        }
      }
    }
    const cosmos = main.one('Microsoft.DocumentDB/databaseAccounts');
    const locs = at(main.body(cosmos), 'properties.locations');
    for (const l of Array.isArray(locs) ? locs : []) for (const v of locationValues(main, at(l, 'locationName'))) if (!CANADIAN.includes(v)) wrong.push(`cosmos replica: ${v}`);
    for (const p of paramFiles) {
      const v = paramValue(p.env, 'location');
      if (typeof v === 'string' && !CANADIAN.includes(v)) wrong.push(`params/${p.env}: ${v}`);
    }
    expect(wrong).toEqual([]);
  });
});

// Microsoft's naming rules (learn.microsoft.com, "Naming rules and restrictions for Azure resources").
const NAME_RULES: Record<string, { min: number; max: number; pattern: RegExp }> = {
  'Microsoft.Storage/storageAccounts': { min: 3, max: 24, pattern: /^[a-z0-9]+$/ },
  'Microsoft.Search/searchServices': { min: 2, max: 60, pattern: /^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/ },
  'Microsoft.KeyVault/vaults': { min: 3, max: 24, pattern: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/ },
  'Microsoft.DocumentDB/databaseAccounts': { min: 3, max: 44, pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/ },
  'Microsoft.ServiceBus/namespaces': { min: 6, max: 50, pattern: /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$(?<!-sb)(?<!-mgmt)/ },
  'Microsoft.Web/sites': { min: 2, max: 60, pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/ },
  'Microsoft.Web/serverfarms': { min: 1, max: 60, pattern: /^[a-zA-Z0-9-]+$/ },
  'Microsoft.OperationalInsights/workspaces': { min: 4, max: 63, pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/ },
  'Microsoft.Insights/components': { min: 1, max: 260, pattern: /^[^%&\\?/]+$/ },
  'Microsoft.ManagedIdentity/userAssignedIdentities': { min: 3, max: 128, pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/ },
  'Microsoft.Insights/actionGroups': { min: 1, max: 260, pattern: /^[^%&\\?/]+$/ },
  'Microsoft.Insights/scheduledQueryRules': { min: 1, max: 260, pattern: /^[^*#&+:<>?@%{}\\/]+$/ },
  'Microsoft.Insights/metricAlerts': { min: 1, max: 260, pattern: /^[^*#&+:<>?@%{}\\/]+$/ },
  'Microsoft.Authorization/policyAssignments': { min: 1, max: 64, pattern: /^[^%&\\?/]+$/ },
};

describe('names: every generated name is valid for every allowed prefix', () => {
  const prefix = main.param('prefix')!;
  const min = Number(main.decorator(prefix, 'minLength'));
  const max = Number(main.decorator(prefix, 'maxLength'));
  // uniqueString() gives 13 lower-case letters and digits.
  const suffix = 'a1b2c3d4e5f6g';

  it('bounds the prefix', () => {
    expect(min).toBeGreaterThanOrEqual(1);
    expect(max).toBeGreaterThanOrEqual(min);
  });

  it('gives valid names from the shortest to the longest prefix', () => {
    const problems: string[] = [];
    for (let len = min; len <= max; len++) {
      for (const p of ['a'.repeat(len), 'z' + '9'.repeat(len - 1)]) {
        for (const r of main.resources()) {
          if (r.existing) continue;
          const type = r.type.split('@')[0] ?? r.type;
          for (const { body } of main.instances(r)) {
            if ('parent' in body || 'scope' in body) continue; // child or extension resources: names fixed or guid()
            const expr = body.name instanceof Expr && /^names\.\w+$/.test(body.name.raw) ? main.varValue(body.name.raw) : body.name;
            const rule = NAME_RULES[type];
            if (!rule) {
              problems.push(`${r.name}: no naming rule for ${type} in this test`);
              continue;
            }
            const name = evalString(expr, { prefix: p, suffix });
            if (name.length < rule.min || name.length > rule.max || !rule.pattern.test(name)) problems.push(`${r.name} (${type}) with prefix '${p}': '${name}' (${name.length} characters; ${rule.min}-${rule.max}, ${rule.pattern})`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives each environment a prefix within the bounds, lower-case and starting with a letter', () => {
    expect(paramFiles.map((p) => p.env).sort()).toEqual(['prod', 'test']);
    for (const p of paramFiles) {
      const v = paramValue(p.env, 'prefix');
      expect(typeof v, p.env).toBe('string');
      expect(v as string, p.env).toMatch(/^[a-z][a-z0-9]*$/);
      expect((v as string).length, p.env).toBeGreaterThanOrEqual(min);
      expect((v as string).length, p.env).toBeLessThanOrEqual(max);
    }
  });
});

describe('parameter files: each environment and azd set every required parameter, and only real ones', () => {
  it('sets every parameter without a default, and no unknown one', () => {
    const required = main.decls('param').filter((p) => p.value === undefined).map((p) => p.name);
    const known = new Set(main.decls('param').map((p) => p.name));
    const files = [...paramFiles.map((p) => ({ name: `params/${p.env}`, file: p.file })), { name: 'main.bicepparam', file: readBicep(path.join(INFRA, 'main.bicepparam')) }];
    for (const { name, file } of files) {
      const set = file.declarations.filter((d) => d.kind === 'param').map((d) => d.name);
      expect(required.filter((r) => !set.includes(r)), name).toEqual([]);
      expect(set.filter((s) => !known.has(s)), name).toEqual([]);
      expect(path.resolve(path.dirname(file.path), file.using ?? ''), name).toBe(path.join(INFRA, 'main.bicep'));
    }
  });
});

describe('settings: every setting the code reads is set by the deployment', () => {
  // Not set by Bicep, each for a reason: App Service sets these itself, or they are the local
  // stack's forms (connection strings, sandbox CA, Azurite endpoints) of what Azure gets as
  // identity-based settings.
  const NOT_SET = new Map([
    ['WEBSITE_INSTANCE_ID', 'set by App Service'],
    ['WEBSITE_SITE_NAME', 'set by App Service'],
    ['REGION_NAME', 'set by App Service'],
    ['AzureWebJobsStorage', 'connection string: local only (Azure: AzureWebJobsStorage__accountName)'],
    ['AzureWebJobsStorage__blobServiceUri', 'Azurite endpoints: local only (Azure: __accountName)'],
    ['AzureWebJobsStorage__queueServiceUri', 'Azurite endpoints: local only'],
    ['AzureWebJobsStorage__tableServiceUri', 'Azurite endpoints: local only'],
    ['ServiceBusConnection', 'connection string: local only (Azure: __fullyQualifiedNamespace)'],
    ['CosmosDb', 'connection string: local only (Azure: __accountEndpoint)'],
    ['GRAPH_CA_FILE', 'the Microsoft 365 sandbox CA: local only'],
    ['AZURE_SEARCH_API_KEY', 'the search emulator key: local only (Azure: managed identity, keys disabled)'],
  ]);

  it('sets every name in the settings schema', () => {
    const set = appSettings();
    const missing = SETTING_NAMES.filter((n) => !NOT_SET.has(n) && !set.has(n));
    expect(missing).toEqual([]);
  });

  it('sets every %NAME% the function registrations use', () => {
    const names = new Set(sourceFiles('functions').flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/'%(\w+)%'/g)].map((m) => m[1] ?? '')));
    names.add('DURABLE_TASK_HUB_NAME'); // host.json's %DURABLE_TASK_HUB_NAME%
    const set = appSettings();
    expect([...names].filter((n) => !set.has(n))).toEqual([]);
  });

  it('gives each identity-based connection its credential and client id', () => {
    const set = appSettings();
    for (const conn of ['AzureWebJobsStorage', 'ServiceBusConnection', 'CosmosDb']) {
      expect(set.get(`${conn}__credential`), conn).toBe('managedidentity');
      expect(set.get(`${conn}__clientId`), conn).toBeInstanceOf(Expr);
    }
  });

  it('takes ARCHIVE_IMMUTABILITY per environment: unlocked in test, locked in production', () => {
    const v = appSettings().get('ARCHIVE_IMMUTABILITY');
    expect(v).toBeInstanceOf(Expr);
    const param = (v as Expr).raw;
    expect(main.allowed(param)?.sort()).toEqual(['locked', 'unlocked']);
    expect(paramValue('test', param)).toBe('unlocked');
    expect(paramValue('prod', param)).toBe('locked');
  });

  it('takes ARCHIVE_SCOPE_GROUP from a required parameter (unset, nothing is archived)', () => {
    const v = appSettings().get('ARCHIVE_SCOPE_GROUP');
    expect(v).toBeInstanceOf(Expr);
    const p = main.param((v as Expr).raw);
    expect(p).toBeDefined();
    expect(p!.value).toBeUndefined();
    expect(Number(main.decorator(p!, 'minLength'))).toBeGreaterThanOrEqual(1);
  });

  it('runs on Node 22', () => {
    const app = main.one('Microsoft.Web/sites');
    expect(at(main.body(app), 'properties.functionAppConfig.runtime')).toEqual({ name: 'node', version: '22' });
  });
});

// Built-in role definition ids.
const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419',
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  searchIndexDataContributor: '8ebe5a00-799e-43f5-93ac-243d3dce84a7',
  searchServiceContributor: '7ca78c08-252a-4471-8644-bb5ff32d4ba0',
};
const roleName = (id: string) => Object.entries(ROLE).find(([, v]) => v === id)?.[0] ?? id;

describe('roles: every role the code needs is assigned, and no broader one', () => {
  // principal | scope | role, each with why.
  const EXPECTED: [string, string, keyof typeof ROLE, string][] = [
    ['app', 'Microsoft.Storage/storageAccounts', 'storageBlobDataOwner', 'archive blobs, immutability policies and legal holds on versions'],
    ['app', 'Microsoft.Storage/storageAccounts', 'storageQueueDataContributor', 'Durable Functions task hub queues'],
    ['app', 'Microsoft.Storage/storageAccounts', 'storageTableDataContributor', 'Durable Functions history, relay pending requests'],
    ['app', 'Microsoft.ServiceBus/namespaces', 'serviceBusDataOwner', 'triggers (receive, scale on entity counts) and senders'],
    ['app', 'Microsoft.KeyVault/vaults', 'keyVaultSecretsUser', 'the relay signing key through a Key Vault reference'],
    ['app', 'Microsoft.Insights/components', 'monitoringMetricsPublisher', 'telemetry with local auth off'],
    ['app', 'Microsoft.Search/searchServices', 'searchIndexDataContributor', 'the archive full-text index: upload, delete, search'],
    ['app', 'Microsoft.Search/searchServices', 'searchServiceContributor', 'the archive full-text index definition, created by the app'],
    ['operators', 'Microsoft.KeyVault/vaults', 'keyVaultSecretsOfficer', 'create and rotate the relay signing key'],
    ['agent', 'Microsoft.ServiceBus/namespaces/queues:relay-requests', 'serviceBusDataReceiver', 'Listen on requests, nothing else'],
    ['agent', 'Microsoft.ServiceBus/namespaces/queues:relay-replies', 'serviceBusDataSender', 'Send on replies, nothing else'],
    ['agent', 'Microsoft.Storage/storageAccounts/blobServices/containers:relay-agent', 'storageBlobDataContributor', 'its heartbeat, where the app reads it'],
    ['agent', 'Microsoft.Storage/storageAccounts/blobServices/containers:relay-documents', 'storageBlobDataContributor', 'large documents'],
    ['agent', 'Microsoft.Storage/storageAccounts', 'storageBlobDelegator', 'user delegation SAS for document links (no account key on site)'],
  ];
  const principalKind = (raw: string) =>
    raw === 'identity.properties.principalId' ? 'app' : raw === 'operatorsGroupObjectId' ? 'operators' : raw === 'agentPrincipalId' ? 'agent' : `<${raw}>`;

  function assigned(): string[] {
    const out: string[] = [];
    for (const r of main.resources('Microsoft.Authorization/roleAssignments')) {
      for (const { body } of main.instances(r)) {
        const principal = at(body, 'properties.principalId');
        const def = at(body, 'properties.roleDefinitionId');
        const scope = body.scope;
        if (!(principal instanceof Expr) || !(def instanceof Expr) || !(scope instanceof Expr)) throw new Error(`${r.name}: principal, role and scope must be expressions`);
        const m = /subscriptionResourceId\(\s*'Microsoft\.Authorization\/roleDefinitions'\s*,\s*(.+)\)\s*$/.exec(def.raw) as [string, string] | null;
        if (!m) throw new Error(`${r.name}: role definition not understood: ${def.raw}`);
        const arg = m[1].trim();
        const id = arg.startsWith("'") ? arg.slice(1, -1) : String(main.varValue(arg));
        out.push(`${principalKind(principal.raw)} | ${describeSymbol(scope.raw)} | ${roleName(id)}`);
      }
    }
    return out.sort();
  }

  it('assigns exactly the expected roles at the expected scopes', () => {
    expect(assigned()).toEqual(EXPECTED.map(([p, s, r]) => `${p} | ${s} | ${r}`).sort());
  });

  it('gives the app Cosmos DB Built-in Data Contributor on the account, nothing else', () => {
    const sql = main.resources('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
    expect(sql.map((r) => (at(main.body(r), 'properties.roleDefinitionId') as Interp).raw)).toEqual(["'${cosmos.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'"]);
  });
});

describe('Entra ID: the API app registration and Graph permissions as code', () => {
  const api = json('infra/entra/api-app.json') as {
    identifierUris: string[];
    api: { requestedAccessTokenVersion: number; oauth2PermissionScopes: { id: string; value: string; type: string; isEnabled: boolean }[]; preAuthorizedApplications: { appId: string; delegatedPermissionIds: string[] }[] };
    appRoles: { value: string; allowedMemberTypes: string[]; displayName: string; description: string }[];
  };
  const TEAMS_CLIENTS = ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346'];

  it('asks for v2 access tokens (the API validates v2 issuers)', () => {
    expect(api.api.requestedAccessTokenVersion).toBe(2);
  });

  it('declares the app roles the code checks, and the access_as_user scope the Teams clients are pre-authorised for', () => {
    // Person roles for people only; application roles for applications only (an app given a
    // person's role must never act as one).
    const forPeople = api.appRoles.filter((r) => (APP_ROLES as readonly string[]).includes(r.value));
    const forApps = api.appRoles.filter((r) => (APPLICATION_ROLES as readonly string[]).includes(r.value));
    expect(forPeople.map((r) => r.value).sort()).toEqual([...APP_ROLES].sort());
    expect(forApps.map((r) => r.value).sort()).toEqual([...APPLICATION_ROLES].sort());
    expect(api.appRoles).toHaveLength(APP_ROLES.length + APPLICATION_ROLES.length);
    for (const r of forPeople) expect(r.allowedMemberTypes).toEqual(['User']);
    for (const r of forApps) expect(r.allowedMemberTypes).toEqual(['Application']);
    const scope = api.api.oauth2PermissionScopes.find((s) => s.value === 'access_as_user');
    expect(scope?.isEnabled).toBe(true);
    expect(api.api.preAuthorizedApplications.map((p) => p.appId).sort()).toEqual([...TEAMS_CLIENTS].sort());
    for (const p of api.api.preAuthorizedApplications) expect(p.delegatedPermissionIds).toEqual([scope!.id]);
  });

  it('uses the identifier URI of the Teams manifest\'s webApplicationInfo', () => {
    const manifest = json('teams/manifest.template.json') as { webApplicationInfo: { resource: string } };
    expect(api.identifierUris).toEqual([manifest.webApplicationInfo.resource]);
  });

  it('grants the managed identity the Graph permissions the code calls for, never tenant-wide mail or broad write', () => {
    const perms = json('infra/entra/graph-permissions.json') as { permissions: { value: string }[]; optional: { value: string }[] };
    const values = perms.permissions.map((p) => p.value);
    for (const needed of ['User.Read.All', 'GroupMember.Read.All', 'Sites.Selected', 'LicenseAssignment.ReadWrite.All', 'TeamsActivity.Send', 'Team.Create', 'Channel.Create', 'TeamMember.ReadWrite.All']) expect(values).toContain(needed);
    const forbidden = /^(Mail\.|Sites\.(ReadWrite|FullControl|Manage)|Files\.ReadWrite\.All|Directory\.|Group\.ReadWrite|User\.ReadWrite|Application\.|RoleManagement\.)/;
    expect([...values, ...perms.optional.map((p) => p.value)].filter((v) => forbidden.test(v))).toEqual([]);
    expect(perms.optional.map((p) => p.value)).toEqual(['AttackSimulation.Read.All']);
  });

  it('covers every Graph call the code makes with a granted permission or the Exchange scope', () => {
    // Graph paths as the adapters write them (`${...}` as {x}), each mapped to the least-privileged
    // application permission Microsoft documents for it. A new call fails here until it is mapped
    // and its permission granted.
    const MAP: [RegExp, string][] = [
      [/^\/users\/\{x\}\/(mailFolders|messages)/, 'Exchange: Application Mail.Read'],
      [/^\/users\/\{x\}\/sendMail/, 'Exchange: Application Mail.Send'],
      [/^\/users\/\{x\}\/teamwork\/sendActivityNotification/, 'TeamsActivity.Send'],
      [/^\/users\/\{x\}\/assignLicense/, 'LicenseAssignment.ReadWrite.All'],
      [/^\/subscribedSkus/, 'LicenseAssignment.ReadWrite.All'],
      [/^\/users(\/delta|\/\{x\}(\/manager|\/licenseDetails)?)?([?]|$)/, 'User.Read.All'],
      [/^\/groups(\/delta|\/\{x\}\/transitiveMembers|\/\{x\})?([?]|$)/, 'GroupMember.Read.All'],
      [/^\/(groups\/\{x\}\/drive|drives\/)/, 'Sites.Selected'],
      [/^\/teams$/, 'Team.Create'],
      [/^\/teams\/\{x\}\/members/, 'TeamMember.ReadWrite.All'],
      [/^\/teams\/\{x\}\/channels\/\{x\}(\/filesFolder)?$/, 'ChannelSettings.ReadWrite.All'],
      [/^\/teams\/\{x\}\/channels$/, 'Channel.Create'],
      [/^\/teams\/\{x\}$/, 'Team.ReadBasic.All'],
      [/^\/security\/attackSimulation\//, 'AttackSimulation.Read.All'],
    ];
    const roots = 'users|groups|teams|sites|drives|security|subscribedSkus|me|chats|directory|organization|applications|servicePrincipals|reports|solutions|communications|planner|identity|auditLogs|admin';
    const calls = new Set(
      sourceFiles('shared').flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(new RegExp(`[\`'](\\/(?:${roots})\\b[^\`']*)[\`']`, 'g'))].map((m) => (m[1] ?? '').replace(/\$\{[^}]*\}?/g, '{x}')),
      ),
    );
    expect(calls.size).toBeGreaterThan(20);
    const perms = json('infra/entra/graph-permissions.json') as { permissions: { value: string }[]; optional: { value: string }[] };
    const granted = new Set([...perms.permissions, ...perms.optional].map((p) => p.value));
    const exchange = readFileSync(path.join(INFRA, 'scripts/exchange-scope.ps1'), 'utf8');
    const problems: string[] = [];
    for (const call of calls) {
      const hit = MAP.find(([re]) => re.test(call));
      if (!hit) problems.push(`${call}: no permission mapped`);
      else if (hit[1].startsWith('Exchange: ') ? !exchange.includes(`'${hit[1].slice('Exchange: '.length)}'`) : !granted.has(hit[1])) problems.push(`${call}: ${hit[1]} not granted`);
    }
    expect(problems).toEqual([]);
  });

  it('scopes Mail.Read to the archive group with Exchange RBAC for Applications', () => {
    const script = readFileSync(path.join(INFRA, 'scripts/exchange-scope.ps1'), 'utf8');
    expect(script).toMatch(/MemberOfGroup -eq/);
    expect(script).toMatch(/New-ManagementRoleAssignment -App \$AppPrincipalId -Role \$Role -CustomResourceScope \$Scope/);
    expect(script).toMatch(/Set-Assignment 'Application Mail\.Read' 'SPGQ-Archive'/);
    expect(script).toMatch(/Set-Assignment 'Application Mail\.Send' 'SPGQ-Senders'/);
  });
});

/** ISO 8601 duration (PT1M) or .NET timespan (00:30:00) to seconds. */
function seconds(d: string): number {
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(d);
  if (iso) return Number(iso[1] ?? 0) * 86400 + Number(iso[2] ?? 0) * 3600 + Number(iso[3] ?? 0) * 60 + Number(iso[4] ?? 0);
  const ts = /^(\d+):(\d+):(\d+)$/.exec(d);
  if (ts) return Number(ts[1]) * 3600 + Number(ts[2]) * 60 + Number(ts[3]);
  throw new Error(`not a duration: ${d}`);
}

describe('Service Bus: entities consistent with host.json, the local stack and the triggers', () => {
  type Props = { LockDuration: string; MaxDeliveryCount: number; RequiresSession: boolean };
  const local = json('dev/local-stack/servicebus-config.json') as { UserConfig: { Namespaces: { Queues: { Name: string; Properties: Props }[]; Topics: { Name: string; Subscriptions: { Name: string; Properties: Props }[] }[] }[] } };
  const ns = local.UserConfig.Namespaces[0]!;
  const host = json('host.json') as { functionTimeout: string; extensions: { serviceBus: { maxAutoLockRenewalDuration: string } } };
  const queues = main.resources('Microsoft.ServiceBus/namespaces/queues').filter((r) => !r.existing).flatMap((r) => main.instances(r).map((i) => i.body));
  const subs = main.resources('Microsoft.ServiceBus/namespaces/topics/subscriptions').flatMap((r) => main.instances(r).map((i) => i.body));

  it('has every queue and subscription of the local stack, with its lock duration, delivery count and sessions', () => {
    const azure = [
      ...queues.map((q) => ({ name: `queue ${String(q.name)}`, p: q.properties as BicepObject })),
      ...subs.map((s) => ({ name: `subscription ${String(s.name)}`, p: s.properties as BicepObject })),
    ].map(({ name, p }) => `${name}: lock ${String(p.lockDuration)}, deliveries ${String(p.maxDeliveryCount)}, sessions ${String(p.requiresSession)}`);
    const dev = [
      ...ns.Queues.filter((q) => !q.Name.startsWith('host-e2e')).map((q) => ({ name: `queue ${q.Name}`, p: q.Properties })),
      ...ns.Topics.flatMap((t) => t.Subscriptions.map((s) => ({ name: `subscription ${s.Name}`, p: s.Properties }))),
    ].map(({ name, p }) => `${name}: lock ${p.LockDuration}, deliveries ${p.MaxDeliveryCount}, sessions ${p.RequiresSession}`);
    expect(azure.sort()).toEqual(dev.sort());
  });

  it('keeps locks renewable for a whole function run (host.json) and the archive run inside it', () => {
    const renewal = seconds(host.extensions.serviceBus.maxAutoLockRenewalDuration);
    const timeout = seconds(host.functionTimeout);
    for (const e of [...queues, ...subs]) expect(seconds(String(at(e, 'properties.lockDuration')))).toBeLessThanOrEqual(300); // Service Bus maximum
    expect(renewal).toBeGreaterThanOrEqual(timeout);
    expect(Number(settingLiteral('ARCHIVE_RUN_SECONDS'))).toBeLessThan(timeout);
  });

  it('has the entities the settings name, and sessions where the triggers and the relay use them', () => {
    const queueNames = queues.map((q) => q.name);
    for (const s of ['ARCHIVE_QUEUE_NAME', 'ARCHIVE_EXPORT_QUEUE_NAME', 'RELAY_REQUESTS_QUEUE', 'RELAY_REPLIES_QUEUE']) expect(queueNames, s).toContain(settingLiteral(s));
    const topic = main.one('Microsoft.ServiceBus/namespaces/topics');
    expect(main.body(topic).name).toBe(settingLiteral('PEOPLE_EVENTS_TOPIC'));
    const triggers = sourceFiles('functions').flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return [...text.matchAll(/subscriptionName:\s*'([^']+)'/g)].map((m) => ({ name: m[1], sessions: /sessions:\s*true/.test(text) }));
    });
    expect(triggers.length).toBeGreaterThan(0);
    for (const t of triggers) expect(at(subs.find((s) => s.name === t.name), 'properties.requiresSession'), t.name).toBe(t.sessions);
    // The relay's replies come back in the caller's session (shared/relay/adapters/relay-client.ts).
    expect(at(queues.find((q) => q.name === settingLiteral('RELAY_REPLIES_QUEUE')), 'properties.requiresSession')).toBe(true);
  });

  it('names the agent\'s SAS rules as its sample config does: Listen on requests, Send on replies', () => {
    const sample = json('onprem-agent/config.sample.json') as { serviceBus: { requests: { connectionString: string; queue: string }; replies: { connectionString: string; queue: string } } };
    const keyName = (cs: string) => /SharedAccessKeyName=([^;]+)/.exec(cs)![1];
    const rules = main.resources('Microsoft.ServiceBus/namespaces/queues/authorizationRules').map((r) => {
      const body = main.body(r);
      const parent = main.get((body.parent as Expr).raw)!;
      return `${String(main.body(parent).name)}: ${String(body.name)} ${JSON.stringify(at(body, 'properties.rights'))}`;
    });
    expect(rules.sort()).toEqual([`${sample.serviceBus.replies.queue}: ${keyName(sample.serviceBus.replies.connectionString)} ["Send"]`, `${sample.serviceBus.requests.queue}: ${keyName(sample.serviceBus.requests.connectionString)} ["Listen"]`].sort());
  });
});

describe('the on-premises agent as deployed: certificate identity, heartbeat where the app reads it', () => {
  // infra/agent-config.azure.sample.json is the configuration the guide (step 8) has the admin fill in.
  const raw = json('infra/agent-config.azure.sample.json');

  it('is a configuration the agent accepts', () => {
    expect(() => parseAgentConfig(raw, {}, '/etc/spgq-onprem-agent')).not.toThrow();
  });

  it('uses the certificate identity and the app\'s storage account, with no key or connection string', () => {
    const config = parseAgentConfig(raw, {}, '/etc/spgq-onprem-agent');
    expect(config.serviceBus.certificate).toBeDefined();
    expect(config.serviceBus.requests.connectionString).toBeUndefined();
    expect(config.serviceBus.replies.connectionString).toBeUndefined();
    expect(config.storage.connectionString).toBeUndefined();
    expect(config.storage.accountUrl).toMatch(/^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/?$/);
  });

  it('reads and writes the entities the roles are scoped to, and signs with the key id the app uses', () => {
    const config = parseAgentConfig(raw, {}, '/etc/spgq-onprem-agent');
    expect(config.serviceBus.requests.queue).toBe(settingLiteral('RELAY_REQUESTS_QUEUE'));
    expect(config.serviceBus.replies.queue).toBe(settingLiteral('RELAY_REPLIES_QUEUE'));
    expect(config.storage.heartbeatContainer).toBe(settingLiteral('RELAY_HEARTBEAT_CONTAINER'));
    const agentContainers = ['relayAgentContainer', 'relayDocumentsContainer'].map((sym) => main.body(main.get(sym)).name);
    expect(agentContainers.sort()).toEqual([config.storage.documentsContainer, config.storage.heartbeatContainer].sort());
    expect(Object.keys(config.signing.publicKeys)).toContain(main.param('relaySigningKeyId')?.value);
  });
});

describe('Cosmos DB: a valid account mode, continuous backup, every container the code uses', () => {
  const account = main.body(main.one('Microsoft.DocumentDB/databaseAccounts'));

  it('is serverless in one region, or provisioned with Canada East as second region', () => {
    const serverless = JSON.stringify(at(account, 'properties.capabilities')).includes('EnableServerless');
    const locations = at(account, 'properties.locations') as BicepValue[];
    if (serverless) expect(locations).toHaveLength(1);
    else expect(locations.map((l) => locationValues(main, at(l, 'locationName')))).toContainEqual(['canadaeast']);
  });

  it('keeps continuous backup (point-in-time restore of the archive index)', () => {
    expect(at(account, 'properties.backupPolicy.type')).toBe('Continuous');
  });

  it('declares every container the code ensures, with its partition key', () => {
    // Container names and keys as the adapters pass them to ensureContainer / lazyContainer /
    // CosmosAuditTrail (partition key /pk), constants resolved across shared/.
    const files = sourceFiles('shared').map((f) => readFileSync(f, 'utf8'));
    const all = files.join('\n');
    const constant = (ref: string): string | undefined => {
      const [head, key] = ref.split('.');
      if (!key) return new RegExp(`const ${head} = '([^']+)'`).exec(all)?.[1];
      const obj = new RegExp(`const ${head} = \\{([\\s\\S]*?)\\}`).exec(all)?.[1];
      return obj && new RegExp(`\\b${key}: '([^']+)'`).exec(obj)?.[1];
    };
    const needed = new Map<string, string>();
    for (const text of files) {
      for (const m of text.matchAll(/(?:ensureContainer|lazyContainer)\(\s*[\w.]+,\s*([\w.]+),\s*('[^']*'|[\w.]+)/g) as IterableIterator<[string, string, string]>) {
        if (m[1] === 'id') continue; // the helper's own definition
        const name = constant(m[1]);
        const key = m[2].startsWith("'") ? m[2].slice(1, -1) : constant(m[2]);
        if (name && key) needed.set(name, key);
        else if (m[1] !== 'this.options.container') throw new Error(`cannot resolve container ${m[1]} / ${m[2]}`);
      }
      for (const m of text.matchAll(/new CosmosAuditTrail\([^,]+,\s*\{\s*container:\s*([\w.]+|'[^']+')/g) as IterableIterator<[string, string]>) {
        const name = m[1].startsWith("'") ? m[1].slice(1, -1) : constant(m[1]);
        if (name) needed.set(name, '/pk');
      }
    }
    expect(needed.size).toBeGreaterThan(10);
    const declared = new Map(main.instances(main.one('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers')).map((i) => [String(at(i.body, 'properties.resource.id')), JSON.stringify(at(i.body, 'properties.resource.partitionKey.paths'))]));
    const missing = [...needed].filter(([name, key]) => declared.get(name) !== JSON.stringify([key])).map(([name, key]) => `${name} ${key} (declared: ${declared.get(name) ?? 'no'})`);
    expect(missing).toEqual([]);
  });
});

describe('Storage: a SKU offered in each allowed region, the containers the app and agent use', () => {
  const account = main.body(main.one('Microsoft.Storage/storageAccounts'));
  // Canada East has no availability zones: no ZRS, no GZRS.
  const OFFERED: Record<string, RegExp> = { canadacentral: /^Standard_(LRS|ZRS|GRS|GZRS|RAGRS|RAGZRS)$/, canadaeast: /^Standard_(LRS|GRS|RAGRS)$/ };

  it('picks an offered, geo-redundant SKU per region', () => {
    const sku = at(account, 'sku.name');
    for (const region of main.allowed('location')!) {
      let value: BicepValue | undefined = sku;
      const lookup = sku instanceof Expr ? (/^(\w+)\[location\]$/.exec(sku.raw) as [string, string] | null) : null;
      if (lookup) value = at(main.varValue(lookup[1]), region);
      expect(typeof value, region).toBe('string');
      expect(value as string, region).toMatch(OFFERED[region] ?? /^$/);
      expect(value as string, region).toMatch(/GRS|GZRS/); // the copy stays in Canada (paired regions)
    }
  });

  it('declares every blob container, WORM where the archive needs it', () => {
    const declared = new Map(main.instances(main.resources('Microsoft.Storage/storageAccounts/blobServices/containers').find((r) => !r.existing)!).map((i) => [String(i.body.name), at(i.body, 'properties.immutableStorageWithVersioning.enabled') === true]));
    const sample = json('onprem-agent/config.sample.json') as { storage: { documentsContainer: string; heartbeatContainer: string } };
    const needed = [CONTAINERS.content, CONTAINERS.staging, CONTAINERS.locks, CONTAINERS.manifests, CONTAINERS.exports, GRAPH_SLOT_CONTAINER, settingLiteral('RELAY_HEARTBEAT_CONTAINER')!, sample.storage.heartbeatContainer, sample.storage.documentsContainer, 'deployments'];
    expect(needed.filter((n) => !declared.has(n))).toEqual([]);
    // The agent writes its heartbeat where the app reads it.
    expect(sample.storage.heartbeatContainer).toBe(settingLiteral('RELAY_HEARTBEAT_CONTAINER'));
    expect(declared.get(CONTAINERS.content)).toBe(true);
    expect(declared.get(CONTAINERS.manifests)).toBe(true);
  });
});

describe('operations: alerts, diagnostic settings, delete locks', () => {
  const text = (r: string) => JSON.stringify(main.body(main.get(r)!));
  const alerts = [...main.resources('Microsoft.Insights/scheduledQueryRules'), ...main.resources('Microsoft.Insights/metricAlerts')];

  it('alerts on function failures, dead letters, integrity mismatches, a stale agent heartbeat and archive lag', () => {
    const bodies = alerts.map((a) => JSON.stringify(main.body(a)));
    const find = (re: RegExp) => bodies.filter((b) => re.test(b));
    expect(find(/requests \| where success == false/)).toHaveLength(1);
    expect(find(/DeadletteredMessages/)).toHaveLength(1);
    // Event names the code logs, and where the agent writes its heartbeat.
    const code = [...sourceFiles('shared'), ...sourceFiles('functions')].map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const event of ['archive.integrity.mismatch', 'archive.run.end']) {
      expect(code).toContain(`'${event}'`);
      expect(find(new RegExp(event.replace(/\./g, '\\.')))).toHaveLength(1);
    }
    expect(find(new RegExp(`/${settingLiteral('RELAY_HEARTBEAT_CONTAINER')!}/${HEARTBEAT_PREFIX}`))).toHaveLength(1);
    for (const a of alerts) expect(JSON.stringify(main.body(a)), a.name).toContain('actionGroup.id');
  });

  it('sends diagnostics of every data and compute resource to the workspace', () => {
    const scopes = main.resources('Microsoft.Insights/diagnosticSettings').map((d) => {
      const body = main.body(d);
      expect((at(body, 'properties.workspaceId') as Expr).raw, d.name).toBe('logs.id');
      return describeSymbol((body.scope as Expr).raw);
    });
    expect(scopes.sort()).toEqual(['Microsoft.DocumentDB/databaseAccounts', 'Microsoft.KeyVault/vaults', 'Microsoft.ServiceBus/namespaces', 'Microsoft.Storage/storageAccounts/blobServices:default', 'Microsoft.Web/sites'].sort());
  });

  it('locks production data resources against deletion, in production only', () => {
    const locks = main.resources('Microsoft.Authorization/locks').map((l) => {
      const [{ body, condition }] = main.instances(l) as [{ body: BicepObject; condition?: string }];
      expect(at(body, 'properties.level'), l.name).toBe('CanNotDelete');
      expect(condition, l.name).toBe('isProd');
      return describeSymbol((body.scope as Expr).raw);
    });
    expect(locks).toEqual(expect.arrayContaining(['Microsoft.Storage/storageAccounts', 'Microsoft.DocumentDB/databaseAccounts', 'Microsoft.KeyVault/vaults']));
    expect(text('storage')).toContain('allowSharedKeyAccess');
    expect(JSON.stringify(main.varValue('isProd'))).toContain("environmentName == 'prod'");
  });
});
