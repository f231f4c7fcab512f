import { normaliseRegion, type Settings } from '../settings';

/**
 * The app serves data only from Canadian regions (Law 25 and the union's policy). The guard runs at
 * start-up; any finding stops the app from serving data. Canada Central (Toronto) is the default,
 * Canada East (Québec City) the alternative; both are in Canada and pair with each other.
 */
export const ALLOWED_REGIONS = ['canadacentral', 'canadaeast'] as const;

export interface ResidencyFinding {
  /** The setting or resource at fault, e.g. "CosmosDb__accountEndpoint" or "Cosmos DB account". */
  subject: string;
  endpoint?: string;
  region?: string;
  problem: string;
}

export class ResidencyViolation extends Error {
  constructor(readonly findings: ResidencyFinding[]) {
    super(
      'Data residency check failed; the app refuses to start:\n' +
        findings
          .map((f) => `  - ${f.subject}${f.endpoint ? ` (${f.endpoint})` : ''}${f.region ? ` in region "${f.region}"` : ''}: ${f.problem}`)
          .join('\n'),
    );
    this.name = 'ResidencyViolation';
  }
}

export function isCanadianRegion(name: string): boolean {
  return (ALLOWED_REGIONS as readonly string[]).includes(normaliseRegion(name));
}

/**
 * Azure region names that can appear inside a host name (regional endpoints such as
 * `account-westus.documents.azure.com`). Any of these that is not Canadian is refused.
 */
const AZURE_REGIONS = [
  'eastus', 'eastus2', 'westus', 'westus2', 'westus3', 'centralus', 'northcentralus', 'southcentralus', 'westcentralus',
  'canadacentral', 'canadaeast', 'brazilsouth', 'brazilsoutheast', 'mexicocentral', 'chilecentral',
  'northeurope', 'westeurope', 'uksouth', 'ukwest', 'francecentral', 'francesouth', 'germanywestcentral', 'germanynorth',
  'switzerlandnorth', 'switzerlandwest', 'norwayeast', 'norwaywest', 'swedencentral', 'polandcentral', 'italynorth', 'spaincentral',
  'eastasia', 'southeastasia', 'japaneast', 'japanwest', 'koreacentral', 'koreasouth', 'centralindia', 'southindia', 'westindia',
  'australiaeast', 'australiasoutheast', 'australiacentral', 'uaenorth', 'uaecentral', 'qatarcentral', 'israelcentral',
  'southafricanorth', 'southafricawest', 'newzealandnorth', 'indonesiacentral', 'malaysiawest',
];

/** Public-cloud host suffixes per kind of endpoint. Sovereign clouds (.us, .cn) are outside Canada. */
const SERVICE_SUFFIXES: Record<EndpointKind, string[]> = {
  storage: ['.blob.core.windows.net', '.queue.core.windows.net', '.table.core.windows.net', '.dfs.core.windows.net', '.blob.storage.azure.net', '.queue.storage.azure.net', '.table.storage.azure.net'],
  serviceBus: ['.servicebus.windows.net'],
  cosmos: ['.documents.azure.com'],
  graph: ['graph.microsoft.com'],
  identity: ['login.microsoftonline.com'],
};

export type EndpointKind = 'storage' | 'serviceBus' | 'cosmos' | 'graph' | 'identity';

export interface ConfiguredEndpoint {
  setting: string;
  kind: EndpointKind;
  url: string;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1';
}

/** Checks that need no network: the region settings, local mode, and every endpoint's host. */
export function checkStaticResidency(s: Settings, endpoints: ConfiguredEndpoint[]): ResidencyFinding[] {
  const findings: ResidencyFinding[] = [];
  if (!isCanadianRegion(s.region)) {
    findings.push({ subject: 'DEPLOYMENT_REGION', region: s.region, problem: `outside Canada; allowed: ${ALLOWED_REGIONS.join(', ')}` });
  }
  if (s.hostRegion && !isCanadianRegion(s.hostRegion)) {
    findings.push({ subject: 'REGION_NAME (the region Azure runs this app in)', region: s.hostRegion, problem: 'outside Canada' });
  }
  if (s.localMode && s.deployed) {
    findings.push({ subject: 'LOCAL_MODE', problem: 'local mode cannot be on in a deployed app' });
  }
  for (const endpoint of endpoints) {
    const finding = checkEndpointHost(endpoint, s.localMode && !s.deployed);
    if (finding) findings.push(finding);
  }
  return findings;
}

function checkEndpointHost(endpoint: ConfiguredEndpoint, loopbackAllowed: boolean): ResidencyFinding | undefined {
  let host: string;
  try {
    host = new URL(endpoint.url).hostname.toLowerCase();
  } catch {
    return { subject: endpoint.setting, endpoint: endpoint.url, problem: 'not a valid URL' };
  }
  const origin = `${endpoint.kind === 'serviceBus' ? 'sb' : 'https'}://${host}`;
  if (isLoopbackHost(host)) {
    return loopbackAllowed
      ? undefined
      : { subject: endpoint.setting, endpoint: origin, problem: 'a local emulator endpoint is accepted only with LOCAL_MODE=true, and never in a deployed app' };
  }
  if (!SERVICE_SUFFIXES[endpoint.kind].some((suffix) => host === suffix || host.endsWith(suffix))) {
    return {
      subject: endpoint.setting,
      endpoint: origin,
      problem: `not an Azure public-cloud ${endpoint.kind} endpoint, so its region cannot be vouched for (expected a host ending in ${SERVICE_SUFFIXES[endpoint.kind].join(' or ')})`,
    };
  }
  const label = host.split('.')[0] ?? '';
  const regionInName = AZURE_REGIONS.find((r) => label.endsWith(`-${r}`));
  if (regionInName && !isCanadianRegion(regionInName)) {
    return { subject: endpoint.setting, endpoint: origin, region: regionInName, problem: 'regional endpoint outside Canada' };
  }
  return undefined;
}

export interface CosmosAccountLocations {
  readable: string[];
  writable: string[];
}

/** The Cosmos DB account's own view of where its data lives, read from the account itself. */
export function checkCosmosLocations(endpoint: string, locations: CosmosAccountLocations): ResidencyFinding[] {
  const findings: ResidencyFinding[] = [];
  for (const [kind, names] of [['writable', locations.writable], ['readable', locations.readable]] as const) {
    if (names.length === 0) findings.push({ subject: 'Cosmos DB account', endpoint, problem: `reports no ${kind} location` });
    for (const name of names) {
      if (!isCanadianRegion(name)) {
        findings.push({ subject: 'Cosmos DB account', endpoint, region: name, problem: `${kind} location outside Canada` });
      }
    }
  }
  return findings;
}

/** Every endpoint the settings name, for the static check. */
export function configuredEndpoints(s: Settings): ConfiguredEndpoint[] {
  const endpoints: ConfiguredEndpoint[] = [];
  if (s.storage.mode === 'identity') {
    endpoints.push(
      { setting: 'AzureWebJobsStorage__blobServiceUri', kind: 'storage', url: s.storage.blobServiceUri },
      { setting: 'AzureWebJobsStorage__queueServiceUri', kind: 'storage', url: s.storage.queueServiceUri },
      { setting: 'AzureWebJobsStorage__tableServiceUri', kind: 'storage', url: s.storage.tableServiceUri },
    );
  } else {
    for (const [name, url] of storageConnectionStringEndpoints(s.storage.connectionString)) {
      endpoints.push({ setting: `AzureWebJobsStorage (${name})`, kind: 'storage', url });
    }
  }
  endpoints.push(
    s.serviceBus.mode === 'identity'
      ? { setting: 'ServiceBusConnection__fullyQualifiedNamespace', kind: 'serviceBus', url: `sb://${s.serviceBus.fullyQualifiedNamespace}` }
      : { setting: 'ServiceBusConnection', kind: 'serviceBus', url: `sb://${s.serviceBus.host}` },
    { setting: s.cosmos.key ? 'CosmosDb' : 'CosmosDb__accountEndpoint', kind: 'cosmos', url: s.cosmos.endpoint },
    { setting: 'GRAPH_BASE_URL', kind: 'graph', url: s.graph.baseUrl },
    { setting: 'AUTH_AUTHORITY', kind: 'identity', url: s.auth.authority },
  );
  return endpoints;
}

function storageConnectionStringEndpoints(connectionString: string): [string, string][] {
  const parts = Object.fromEntries(
    connectionString
      .split(';')
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i).toLowerCase(), p.slice(i + 1)];
      }),
  ) as Record<string, string>;
  if (parts.usedevelopmentstorage === 'true') return [['UseDevelopmentStorage', 'http://127.0.0.1:10000']];
  const explicit = (['blobendpoint', 'queueendpoint', 'tableendpoint'] as const)
    .filter((k) => parts[k])
    .map((k) => [k.replace('endpoint', 'Endpoint').replace(/^./, (c) => c.toUpperCase()), parts[k]!] as [string, string]);
  if (explicit.length) return explicit;
  const account = parts.accountname;
  const suffix = parts.endpointsuffix ?? 'core.windows.net';
  return account ? [['AccountName', `https://${account}.blob.${suffix}`]] : [];
}
