import { app } from '@azure/functions';
import { publicEndpoint, type EndpointResult } from '../http/endpoint';
import { settings } from '../../shared/platform/settings';
import { ApiError } from '../../shared/platform/api-error';
import { readWebAsset, webContentSecurityPolicy } from '../../shared/platform/web-assets';

/**
 * The Teams tab: the front end built into dist/web (web/build.mjs), served anonymously (it holds
 * no data; every data call it makes carries the user's token), plus the public sign-in configuration.
 */
export const webAsset = publicEndpoint({
  skipResidencyGate: true,
  async handle({ request }): Promise<EndpointResult> {
    const requested = request.params.path ?? '';
    // /api/web (no slash): the page's relative asset paths need the folder form.
    if (requested === '' && !new URL(request.url).pathname.endsWith('/')) return { status: 302, headers: { location: '/api/web/' } };
    const asset = await readWebAsset(requested);
    if (!asset) throw new ApiError(404, 'not_found', 'request.notFound');
    const s = settings();
    return {
      body: asset.content,
      headers: {
        'content-type': asset.contentType,
        // Hashed assets never change under their name; the page is revalidated on every load.
        'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'content-security-policy': webContentSecurityPolicy(s.auth.authority),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
    };
  },
});

/**
 * The site root leads to the Teams tab's home page (by role, once signed in). host.json's empty
 * route prefix, with every other route under `api/`, is what lets a function answer `/` in Azure:
 * the optional segment of length 0 matches the root and nothing else.
 */
export const siteRoot = publicEndpoint({
  skipResidencyGate: true,
  async handle(): Promise<EndpointResult> {
    return { status: 302, headers: { location: '/api/web/', 'cache-control': 'no-cache' } };
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

app.http('webConfig', { methods: ['GET'], authLevel: 'anonymous', route: 'api/web/config.json', handler: webConfig });
app.http('webAsset', { methods: ['GET'], authLevel: 'anonymous', route: 'api/web/{*path}', handler: webAsset });
app.http('siteRoot', { methods: ['GET'], authLevel: 'anonymous', route: '{root:maxlength(0)?}', handler: siteRoot });
