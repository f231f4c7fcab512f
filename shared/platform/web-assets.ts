import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from './package-root';

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

/**
 * The Teams tab pages. Each is the shell (index.html) with its own stylesheet and script: the
 * page's HTML is rendered from the shell, so the header, sign-in and language switch exist once.
 */
const PAGES: Record<string, { title: string; stylesheet: string; script: string }> = {
  'archive.html': { title: 'Mes courriels archivés', stylesheet: 'archive.css', script: 'archive.js' },
  'relay.html': { title: 'Systèmes sur site', stylesheet: 'relay.css', script: 'relay.js' },
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
  const page = PAGES[relative];
  if (page) return renderPage(root, relative, page);
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

async function renderPage(root: string, name: string, page: (typeof PAGES)[string]): Promise<WebAsset> {
  const shell = await readFile(path.join(root, 'web', 'index.html'), 'utf8');
  const html = shell
    .replace(/<title>[^<]*<\/title>/, `<title>${page.title}</title>`)
    .replace('<!--page-assets-->', `<link rel="stylesheet" href="${page.stylesheet}">\n  <script src="${page.script}" defer></script>`)
    .replace('data-page=""', `data-page="${name.replace(/\.html$/, '')}"`);
  return { content: Buffer.from(html, 'utf8'), contentType: CONTENT_TYPES['.html']!, immutable: false };
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
