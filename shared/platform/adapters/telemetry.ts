import { useAzureMonitor } from '@azure/monitor-opentelemetry';
import { ManagedIdentityCredential } from '@azure/identity';

/**
 * OpenTelemetry to Application Insights with the Azure Monitor distro, only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set (the deployment sets it; locally it is unset and
 * tracing stays a no-op). Application Insights has local authentication off, so the exporter
 * authenticates with the app's managed identity (Entra ID; the identity holds Monitoring Metrics
 * Publisher); AZURE_CLIENT_ID names a user-assigned identity when there is one.
 *
 * The automatic HTTP and Azure SDK instrumentations are off: their spans carry request URLs
 * (Graph paths name mailboxes, query strings once carried search filters). Only the app's own
 * spans (shared/platform/tracing.ts, allow-listed attributes) are exported.
 */
let started = false;

export function startTelemetry(env: NodeJS.ProcessEnv = process.env): boolean {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (started || !connectionString) return started;
  const clientId = env.AZURE_CLIENT_ID;
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString, credential: clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential() },
    instrumentationOptions: { http: { enabled: false }, azureSdk: { enabled: false }, console: { enabled: false } },
    enableLiveMetrics: false,
  });
  started = true;
  return started;
}
