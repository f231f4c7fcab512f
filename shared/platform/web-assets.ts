import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from './package-root';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The Teams tab: one page (dist/web/index.html, built by web/build.mjs from web/src) that shows
 * the page its address names, so deep links (archive.html, relay.html, people.html, training.html, collaboration.html, privacy.html, terms.html) work.
 */
const PAGES: Record<string, string> = {
  'index.html': 'Transformation numérique',
  'archive.html': 'Mes courriels archivés',
  'relay.html': 'Systèmes sur site',
  'people.html': 'Personnel',
  'training.html': 'Mes formations',
  'collaboration.html': 'Espaces',
  'rollout.html': 'Déploiement',
  // Public: the Teams app package's privacy and terms addresses (teams/manifest.template.json).
  'privacy.html': 'Confidentialité',
  'terms.html': 'Conditions d’utilisation',
};

export interface WebAsset {
  content: Buffer;
  contentType: string;
  /** Content-hashed: its name changes whenever its bytes do, so it may be cached for good. */
  immutable: boolean;
}

/** Reads a file of the built front end; a path that leaves dist/web or an unknown type gives undefined. */
export async function readWebAsset(requested: string): Promise<WebAsset | undefined> {
  const webDir = path.join(packageRoot(), 'dist', 'web');
  const relative = requested === '' ? 'index.html' : requested;
  const title = PAGES[relative];
  if (title) {
    try {
      const shell = await readFile(path.join(webDir, 'index.html'), 'utf8');
      return { content: Buffer.from(shell.replace(/<title>[^<]*<\/title>/, `<title>${title}</title>`), 'utf8'), contentType: CONTENT_TYPES['.html']!, immutable: false };
    } catch {
      return undefined;
    }
  }
  // Only the built assets: never the build's own files (index.html under another name, assets.json).
  if (!relative.startsWith('assets/')) return undefined;
  const file = path.resolve(webDir, relative);
  if (!file.startsWith(path.join(webDir, 'assets') + path.sep)) return undefined;
  const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (!contentType) return undefined;
  try {
    return { content: await readFile(file), contentType, immutable: true };
  } catch {
    return undefined;
  }
}

/** Where @microsoft/teams-js reads its list of valid Teams origins (validOriginsCdnEndpoint). */
export const TEAMS_JS_CDN = 'https://res.cdn.office.net';

/** sha256 of "" (base64): matches only a <style> element with no text. */
export const EMPTY_STYLE_HASH = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

/** Pages may be framed by Teams only, load scripts from this app only, and call this app and the sign-in authority. */
export function webContentSecurityPolicy(authority: string): string {
  const teams = 'https://teams.microsoft.com https://*.teams.microsoft.com https://*.office.com https://*.cloud.microsoft https://*.teams.cloud.microsoft';
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Fluent UI (Griffel) adds its rules with CSSOM insertRule into <style> elements it creates
    // empty; Chrome checks each such element against style-src, so the hash of the empty string is
    // allowed: an empty <style> only, never any inline CSS text and never a style attribute.
    `style-src 'self' '${EMPTY_STYLE_HASH}'`,
    // https: only for the archive reader's remote images, which it loads on the reader's explicit
    // request (the API hands them as data-remote-src; relative URLs never reach the page).
    "img-src 'self' data: blob: https:",
    // Inside Teams, teams-js fetches Microsoft's current list of Teams origins from its CDN to check
    // who frames the tab (it is loaded only when framed, so outside Teams nothing goes there).
    `connect-src 'self' ${new URL(authority).origin} ${TEAMS_JS_CDN}`,
    `form-action 'self' ${new URL(authority).origin}`,
    `frame-ancestors 'self' ${teams}`,
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}
