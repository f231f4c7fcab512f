import { BlobServiceClient } from '@azure/storage-blob';
import type { FunctionRegistry, RpcBindingInfo } from './functions-core';
import { resolveBindingExpressions, type BindingData } from './binding-data';
import { fromTypedData } from './invoke';
import { connectionSetting, resolveSetting } from './settings';

/**
 * Blob input and output bindings (`input.storageBlob`, `output.storageBlob`) against the storage
 * account of their `connection` (AzureWebJobsStorage by default). Paths may use app settings
 * (%Name%), `{rand-guid}` / `{DateTime}`, and the trigger's binding data (`out/{name}` from a route
 * parameter, a message or body property, or trigger metadata; `{Query.kind}`).
 */
export function registerBlobBindings(registry: FunctionRegistry, env: NodeJS.ProcessEnv = process.env): void {
  const blobFor = (binding: RpcBindingInfo, bindingData: BindingData) => {
    const conn = connectionSetting(typeof binding.connection === 'string' ? binding.connection : undefined, 'AzureWebJobsStorage', env);
    const blobPath = resolveBindingExpressions(resolveSetting(String(binding.path ?? ''), env), bindingData);
    const [container, ...name] = blobPath.split('/');
    if (!container || name.length === 0) throw new Error(`Blob path '${blobPath}' must be <container>/<blob name>.`);
    const containerClient = BlobServiceClient.fromConnectionString(conn).getContainerClient(container);
    return { containerClient, blob: containerClient.getBlockBlobClient(name.join('/')) };
  };

  registry.inputProviders.set('blob', async (binding, bindingData) => {
    try {
      const bytes = await blobFor(binding, bindingData).blob.downloadToBuffer();
      return binding.dataType === 'string' ? { string: bytes.toString('utf8') } : { bytes };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return null; // the host passes null for a missing blob
      throw e;
    }
  });

  registry.outputHandlers.set('blob', async (binding, data, bindingData) => {
    const value = fromTypedData(data);
    const body = Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    const { containerClient, blob } = blobFor(binding, bindingData);
    await containerClient.createIfNotExists();
    await blob.uploadData(body);
  });
}
