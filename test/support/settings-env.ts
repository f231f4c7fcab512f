/** Settings of a deployed app in Azure (identity-based connections, no secrets), for settings and residency tests. */
export const TENANT = '3f6d1b8e-5a0c-4c8e-9d3b-2a7f1e4c6b90';
export const CLIENT = '8c2e4f6a-1b3d-4e5f-a7b9-c0d1e2f3a4b5';

export const azureEnv = {
  DEPLOYMENT_REGION: 'canadacentral',
  AzureWebJobsStorage__accountName: 'stspgqprod',
  ServiceBusConnection__fullyQualifiedNamespace: 'sb-spgq.servicebus.windows.net',
  CosmosDb__accountEndpoint: 'https://cosmos-spgq.documents.azure.com:443/',
  AUTH_TENANT_ID: TENANT,
  AUTH_CLIENT_ID: CLIENT,
  WEBSITE_INSTANCE_ID: 'abc123',
};
