import { app } from '@azure/functions';
import { publicEndpoint } from '../http/endpoint';
import { settings } from '../../shared/platform/settings';
import { ApiError } from '../../shared/platform/api-error';
import { readWebAsset, webContentSecurityPolicy } from '../../shared/platform/web-assets';

/**
 * The Teams tab shell: static pages under web/, served anonymously (they hold no data; every
 * data call they make carries the user's token), plus the public sign-in configuration.
 */
export const webAsset = publicEndpoint({
  skipResidencyGate: true,
  async handle({ request }) {
    const asset = await readWebAsset(request.params.path ?? 'index.html');
    if (!asset) throw new ApiError(404, 'not_found', 'request.notFound');
    const s = settings();
    return {
      body: asset.content,
      headers: {
        'content-type': asset.contentType,
        'cache-control': asset.immutable ? 'public, max-age=86400' : 'no-cache',
        'content-security-policy': webContentSecurityPolicy(s.auth.authority),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
    };
  },
});

export const webConfig = publicEndpoint({
  skipResidencyGate: true,
  async handle() {
    const s = settings();
    return {
      body: {
        tenantId: s.auth.tenantId,
        clientId: s.auth.clientId,
        authority: s.auth.authority,
        scope: `api://${s.auth.clientId}/access_as_user`,
        // Outside Teams, the local stack's token issuer signs people in; never in Azure.
        localSignIn: s.localMode && !s.deployed,
      },
    };
  },
});

app.http('webConfig', { methods: ['GET'], authLevel: 'anonymous', route: 'web/config.json', handler: webConfig });
app.http('webAsset', { methods: ['GET'], authLevel: 'anonymous', route: 'web/{*path}', handler: webAsset });
