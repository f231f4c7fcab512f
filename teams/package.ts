/**
 * `npm run package:teams`: builds the Teams app package of the tab front end (web/, served under
 * /api/web/), ready to upload in the Teams admin center or the Developer Portal.
 *
 *   TEAMS_APP_ID=<guid> AUTH_CLIENT_ID=<guid> APP_HOSTNAME=<host> npm run package:teams
 *   npm run package:teams -- --app-id <guid> --client-id <guid> --hostname <host>
 *
 * It fills teams/manifest.template.json, adds the icons (teams/icons.ts) and the English strings
 * (teams/en.json; French, fr-CA, is the manifest's own language) and writes
 * dist/teams/<package name>-<version>.zip. The app version is package.json's: Teams only takes
 * an update whose version is higher than the installed one.
 *
 * Teams SSO (getAuthToken in web/src/auth.ts) asks Entra ID for webApplicationInfo.resource,
 * api://<host>/<client id>. So the API's app registration must list that Application ID URI, expose
 * the access_as_user scope and pre-authorize the Teams clients. It must also issue v2 tokens
 * (accessTokenAcceptedVersion 2): shared/platform/auth.ts accepts the v2 issuer and the client id as audience,
 * and a v1 token (issuer sts.windows.net, the URI as audience) would be refused.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { packageRoot } from '../shared/platform/package-root';
import { ACCENT, colorIcon, outlineIcon } from './icons';

/** An error for the person running the command: printed as is (French, then English), no stack. */
export class TeamsPackageError extends Error {
  constructor(fr: string, en: string) {
    super(`${fr}\n${en}`);
    this.name = 'TeamsPackageError';
  }
}

interface Variable {
  /** Environment variable, also the template's {{NAME}}. */
  name: string;
  /** Command-line option that overrides the environment. */
  option: string;
  fr: string;
  en: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A DNS host name with at least one dot, no scheme, port or path (Teams loads tabs over https on 443).
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

const VARIABLES = {
  appId: {
    name: 'TEAMS_APP_ID',
    option: '--app-id',
    fr: "l'identifiant de l'application Teams (un GUID créé une fois et conservé, p. ex. node -e \"console.log(crypto.randomUUID())\")",
    en: 'the Teams app id (a GUID created once and kept, e.g. node -e "console.log(crypto.randomUUID())")',
  },
  clientId: {
    name: 'AUTH_CLIENT_ID',
    option: '--client-id',
    fr: "l'identifiant de l'inscription d'application de l'API (le même que le paramètre de l'application)",
    en: "the API's app registration id (the same as the app setting)",
  },
  hostname: {
    name: 'APP_HOSTNAME',
    option: '--hostname',
    fr: "le nom d'hôte public de l'application, sans https:// (p. ex. az functionapp show -g <rg> -n <app> --query defaultHostName)",
    en: "the app's public host name, without https:// (e.g. az functionapp show -g <rg> -n <app> --query defaultHostName)",
  },
  privacyUrl: {
    name: 'TEAMS_PRIVACY_URL',
    option: '--privacy-url',
    fr: "l'adresse https de la politique de confidentialité (facultatif)",
    en: 'the https address of the privacy policy (optional)',
  },
  termsUrl: {
    name: 'TEAMS_TERMS_URL',
    option: '--terms-url',
    fr: "l'adresse https des conditions d'utilisation (facultatif)",
    en: 'the https address of the terms of use (optional)',
  },
} satisfies Record<string, Variable>;

/** The values the template needs, already checked. */
export interface TeamsPackageValues {
  appId: string;
  clientId: string;
  hostname: string;
  privacyUrl: string;
  termsUrl: string;
}

/**
 * Reads the values from the command line (first) and the environment. A missing or malformed
 * value stops with a message naming the variable and its option, in French and English.
 */
export function readValues(argv: readonly string[], env: NodeJS.ProcessEnv): TeamsPackageValues & { outDir?: string } {
  const options = parseOptions(argv);
  const raw = (v: Variable): string | undefined => {
    const value = (options.get(v.option) ?? env[v.name])?.trim();
    return value ? value : undefined;
  };
  // Every missing variable is named at once, so a first run tells everything that is needed.
  const missing = [VARIABLES.appId, VARIABLES.clientId, VARIABLES.hostname].filter((v) => raw(v) === undefined);
  if (missing.length > 0) {
    throw new TeamsPackageError(
      missing.map((v) => `Variable manquante : ${v.name} (ou ${v.option}), ${v.fr}.`).join('\n'),
      missing.map((v) => `Missing variable: ${v.name} (or ${v.option}), ${v.en}.`).join('\n'),
    );
  }
  const required = (v: Variable): string => raw(v)!;
  const invalid = (v: Variable, value: string, fr: string, en: string) =>
    new TeamsPackageError(`Valeur invalide pour ${v.name} (« ${value} ») : ${fr}.`, `Invalid value for ${v.name} ("${value}"): ${en}.`);

  const guid = (v: Variable): string => {
    const value = required(v);
    if (!GUID.test(value)) throw invalid(v, value, 'un GUID est attendu', 'a GUID is expected');
    return value.toLowerCase();
  };
  const hostname = required(VARIABLES.hostname);
  if (!HOSTNAME.test(hostname)) {
    throw invalid(VARIABLES.hostname, hostname, "un nom d'hôte seul est attendu, sans https://, port ni chemin", 'a bare host name is expected, without https://, port or path');
  }
  const host = hostname.toLowerCase();
  // Privacy and terms are plain pages; by default under the tab's own path, overridable when the
  // union publishes them elsewhere.
  const httpsUrl = (v: Variable, fallback: string): string => {
    const value = raw(v) ?? fallback;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid(v, value, 'une adresse https est attendue', 'an https address is expected');
    }
    if (url.protocol !== 'https:') throw invalid(v, value, 'une adresse https est attendue', 'an https address is expected');
    return url.toString();
  };
  return {
    appId: guid(VARIABLES.appId),
    clientId: guid(VARIABLES.clientId),
    hostname: host,
    privacyUrl: httpsUrl(VARIABLES.privacyUrl, `https://${host}/api/web/privacy.html`),
    termsUrl: httpsUrl(VARIABLES.termsUrl, `https://${host}/api/web/terms.html`),
    outDir: options.get('--out-dir'),
  };
}

/** `--name value` or `--name=value`; anything else is refused so a typo is not silently ignored. */
function parseOptions(argv: readonly string[]): Map<string, string> {
  const known = new Set([...Object.values(VARIABLES).map((v) => v.option), '--out-dir']);
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!known.has(name)) {
      throw new TeamsPackageError(
        `Option inconnue : ${arg} (options : ${[...known].join(', ')}).`,
        `Unknown option: ${arg} (options: ${[...known].join(', ')}).`,
      );
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new TeamsPackageError(`Valeur manquante après ${name}.`, `Missing value after ${name}.`);
    options.set(name, value);
  }
  return options;
}

/**
 * Replaces {{NAME}} in every string of the parsed template (not in its text, so a value can never
 * break the JSON). An unknown name is an error: the template and this script must agree.
 */
export function fillTemplate(template: unknown, values: Record<string, string>): unknown {
  if (typeof template === 'string') {
    return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`teams/manifest.template.json uses {{${name}}}, which teams/package.ts does not fill`);
      return value;
    });
  }
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, values));
  if (template && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, fillTemplate(item, values)]));
  }
  return template;
}

/** The files of the package, by their name in the zip (Teams wants them all at the root). */
export async function packageFiles(values: TeamsPackageValues, root = packageRoot()): Promise<{ name: string; version: string; files: Map<string, Buffer> }> {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  const template: unknown = JSON.parse(await readFile(path.join(root, 'teams', 'manifest.template.json'), 'utf8'));
  const manifest = fillTemplate(template, {
    VERSION: pkg.version,
    TEAMS_APP_ID: values.appId,
    AUTH_CLIENT_ID: values.clientId,
    APP_HOSTNAME: values.hostname,
    TEAMS_PRIVACY_URL: values.privacyUrl,
    TEAMS_TERMS_URL: values.termsUrl,
    ACCENT_COLOR: ACCENT.hex,
  });
  const files = new Map<string, Buffer>([
    ['manifest.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8')],
    ['color.png', colorIcon()],
    ['outline.png', outlineIcon()],
    ['en.json', await readFile(path.join(root, 'teams', 'en.json'))],
  ]);
  return { name: pkg.name, version: pkg.version, files };
}

/** Builds the zip and returns its path. */
export async function buildTeamsPackage(argv: readonly string[], env: NodeJS.ProcessEnv, root = packageRoot()): Promise<string> {
  const values = readValues(argv, env);
  const { name, version, files } = await packageFiles(values, root);
  const outDir = path.resolve(root, values.outDir ?? path.join('dist', 'teams'));
  await mkdir(outDir, { recursive: true });
  const zipPath = path.join(outDir, `${name}-${version}.zip`);
  const zip = new ZipFile();
  // A fixed date: the same inputs give the same bytes.
  const mtime = new Date('2000-01-01T00:00:00Z');
  for (const [file, content] of files) zip.addBuffer(content, file, { mtime });
  zip.end();
  // Written beside and renamed, so an interrupted run never leaves a truncated package.
  const partial = `${zipPath}.partial`;
  await pipeline(zip.outputStream, createWriteStream(partial));
  await rename(partial, zipPath);
  return zipPath;
}

async function main(): Promise<void> {
  try {
    const zipPath = await buildTeamsPackage(process.argv.slice(2), process.env);
    console.log(`Paquet Teams / Teams package: ${path.relative(process.cwd(), zipPath)}`);
  } catch (error) {
    if (!(error instanceof TeamsPackageError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}

// Run as a command (tsx teams/package.ts), not when a test imports it.
if (process.argv[1] && path.resolve(process.argv[1]) === __filename) void main();
