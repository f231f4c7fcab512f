import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../config/package-root';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Files served from outside web/ under a stable name. */
const VENDOR: Record<string, string> = {
  'vendor/teams-js.js': 'node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js',
};

export interface WebAsset {
  content: Buffer;
  contentType: string;
  immutable: boolean;
}

/** Reads a file of the web shell; a path that leaves web/ or an unknown type gives undefined. */
export async function readWebAsset(requested: string): Promise<WebAsset | undefined> {
  const root = packageRoot();
  const relative = requested === '' ? 'index.html' : requested;
  const vendor = VENDOR[relative];
  const webDir = path.join(root, 'web');
  const file = vendor ? path.join(root, vendor) : path.resolve(webDir, relative);
  if (!vendor && !file.startsWith(webDir + path.sep)) return undefined;
  const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (!contentType) return undefined;
  try {
    return { content: await readFile(file), contentType, immutable: Boolean(vendor) };
  } catch {
    return undefined;
  }
}

/** Pages may be framed by Teams only, load scripts from this app only, and call this app and the sign-in authority. */
export function webContentSecurityPolicy(authority: string): string {
  const teams = 'https://teams.microsoft.com https://*.teams.microsoft.com https://*.office.com https://*.cloud.microsoft https://*.teams.cloud.microsoft';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${new URL(authority).origin}`,
    `form-action 'self' ${new URL(authority).origin}`,
    `frame-ancestors 'self' ${teams}`,
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}
