import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWebAsset } from '../../shared/platform/web-assets';
import { fillTemplate } from '../../teams/package';

/**
 * `npm run package:teams`: the package is built by the real command with sample values, unzipped,
 * and checked against Microsoft's published JSON schemas for its manifest version, shipped by
 * Microsoft's @microsoft/app-manifest package (a pinned devDependency: no download at test time).
 */
const ROOT = path.resolve(__dirname, '../..');
const SAMPLE = {
  TEAMS_APP_ID: '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  AUTH_CLIENT_ID: '0A1B2C3D-4E5F-4061-8728-394A5B6C7D8E',
  APP_HOSTNAME: 'spgq-func-sample.azurewebsites.net',
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/** Runs teams/package.ts as `npm run package:teams` does, with only the given variables set. */
function runPackage(vars: Record<string, string>, args: string[] = []) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['TEAMS_APP_ID', 'AUTH_CLIENT_ID', 'APP_HOSTNAME', 'TEAMS_PRIVACY_URL', 'TEAMS_TERMS_URL']) delete env[name];
  return spawnSync(process.execPath, ['--import', 'tsx', 'teams/package.ts', ...args], {
    cwd: ROOT,
    env: { ...env, ...vars },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

function unzip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const files = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err2, stream) => {
          if (err2) return reject(err2);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** The published schema of a manifest version, from @microsoft/app-manifest's copy. */
function publishedSchema(version: string, file: 'MicrosoftTeams.schema.json' | 'MicrosoftTeams.Localization.schema.json'): object {
  const dir = path.dirname(require.resolve('@microsoft/app-manifest/package.json'));
  return JSON.parse(readFileSync(path.join(dir, 'build', 'json-schemas', 'teams', `v${version}`, file), 'utf8')) as object;
}

function validator(schema: object) {
  // The schemas declare draft-04, hence ajv-draft-04. strictTypes off: they are Microsoft's, not
  // written for Ajv's strict mode. unicodeRegExp off: JSON Schema patterns are ECMA-262 regular
  // expressions without the u flag, and one of the localization schema's patterns is only valid
  // that way (a lone "]").
  const ajv = new Ajv({ allErrors: true, strictTypes: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** RGBA rows, only decoded for 8-bit RGBA. */
  pixels?: Buffer;
}

/** Reads a PNG's IHDR and, for 8-bit RGBA, its pixels (undoing the per-row filters). */
function readPng(png: Buffer): Png {
  expect(png.subarray(0, 8).toString('hex'), 'PNG signature').toBe('89504e470d0a1a0a');
  expect(png.toString('ascii', 12, 16), 'first chunk').toBe('IHDR');
  const info: Png = { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bitDepth: png[24]!, colorType: png[25]! };
  if (info.bitDepth !== 8 || info.colorType !== 6 || png[28] !== 0) return info;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = info.width * 4;
  const pixels = Buffer.alloc(stride * info.height);
  for (let y = 0; y < info.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 4 ? pixels[y * stride + x - 4]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4]! : 0;
      const paeth = () => {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      };
      const predictor = [0, a, b, (a + b) >> 1, paeth()][filter];
      if (predictor === undefined) throw new Error(`unknown PNG filter ${filter}`);
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return { ...info, pixels };
}

/** The manifest value at a localization key such as `staticTabs[1].name`. */
function valueAt(manifest: unknown, key: string): unknown {
  let value = manifest;
  for (const part of key.split(/\.|(?=\[)/)) {
    const index = /^\[(\d+)\]$/.exec(part);
    if (value === null || typeof value !== 'object') return undefined;
    value = index ? (value as unknown[])[Number(index[1])] : (value as Record<string, unknown>)[part];
  }
  return value;
}

describe('npm run package:teams', () => {
  let outDir: string;
  let files: Map<string, Buffer>;
  let manifest: Record<string, unknown> & {
    manifestVersion: string;
    staticTabs: { entityId: string; name: string; contentUrl: string; scopes: string[] }[];
  };

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(tmpdir(), 'teams-package-'));
    const run = runPackage(SAMPLE, ['--out-dir', outDir]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const zipPath = path.join(outDir, `${pkg.name}-${pkg.version}.zip`);
    expect(run.stdout).toContain(`${pkg.name}-${pkg.version}.zip`);
    files = await unzip(zipPath);
    manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as typeof manifest;
  });

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('holds the manifest, the two icons and the English strings, at the root of the zip', () => {
    expect([...files.keys()].sort()).toEqual(['color.png', 'en.json', 'manifest.json', 'outline.png']);
  });

  it("uses a current manifest version and declares that version's published schema", () => {
    expect(manifest.manifestVersion).toMatch(/^1\.\d+$/);
    expect(Number(manifest.manifestVersion.split('.')[1])).toBeGreaterThanOrEqual(17);
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`);
  });

  it("is valid against Microsoft's published manifest schema", () => {
    const validate = validator(publishedSchema(manifest.manifestVersion, 'MicrosoftTeams.schema.json'));
    expect(validate(manifest) ? [] : validate.errors).toEqual([]);
  });

  it('would be refused by that schema if it were wrong (the check is not vacuous)', () => {
    const validate = validator(publishedSchema(manifest.manifestVersion, 'MicrosoftTeams.schema.json'));
    const { developer: _developer, ...noDeveloper } = manifest;
    expect(validate(noDeveloper)).toBe(false);
    expect(validate({ ...manifest, name: { short: 'x'.repeat(31) } })).toBe(false);
    expect(validate({ ...manifest, manifestVersion: '1.16' })).toBe(false);
  });

  it("has en.json valid against the published localization schema, with only keys the manifest has", () => {
    const en = JSON.parse(files.get('en.json')!.toString('utf8')) as Record<string, unknown>;
    const validate = validator(publishedSchema(manifest.manifestVersion, 'MicrosoftTeams.Localization.schema.json'));
    expect(validate(en) ? [] : validate.errors).toEqual([]);
    expect(en.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.Localization.schema.json`);
    const keys = Object.keys(en).filter((k) => k !== '$schema');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(typeof valueAt(manifest, key), key).toBe('string');
      expect(en[key], key).not.toBe(valueAt(manifest, key));
    }
    // Every tab has its English name.
    manifest.staticTabs.forEach((_, i) => expect(keys).toContain(`staticTabs[${i}].name`));
  });

  it('is in French by default, with English as an additional language', () => {
    expect(manifest.localizationInfo).toEqual({ defaultLanguageTag: 'fr-CA', additionalLanguages: [{ languageTag: 'en', file: 'en.json' }] });
    expect(manifest.name).toMatchObject({ short: 'Transformation numérique' });
  });

  it("carries package.json's version and the given ids, host and SSO resource", async () => {
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.id).toBe(SAMPLE.TEAMS_APP_ID);
    const clientId = SAMPLE.AUTH_CLIENT_ID.toLowerCase();
    expect(manifest.webApplicationInfo).toEqual({ id: clientId, resource: `api://${SAMPLE.APP_HOSTNAME}/${clientId}` });
    expect(manifest.validDomains).toEqual([SAMPLE.APP_HOSTNAME]);
    expect(manifest.developer).toEqual({
      name: 'SPGQ',
      websiteUrl: `https://${SAMPLE.APP_HOSTNAME}/api/web/`,
      privacyUrl: `https://${SAMPLE.APP_HOSTNAME}/api/web/privacy.html`,
      termsOfUseUrl: `https://${SAMPLE.APP_HOSTNAME}/api/web/terms.html`,
    });
    // The default privacy and terms addresses are pages the web shell serves (no sign-in needed).
    const developer = manifest.developer as { privacyUrl: string; termsOfUseUrl: string };
    for (const url of [developer.privacyUrl, developer.termsOfUseUrl]) {
      const page = new URL(url).pathname.replace(/^\/api\/web\//, '');
      expect((await readWebAsset(page))?.contentType, url).toMatch(/^text\/html/);
    }
  });

  it('has one personal tab per capability the app serves, on pages the web shell has', async () => {
    expect(manifest.staticTabs.map((t) => [t.name, t.contentUrl])).toEqual([
      ['Accueil', `https://${SAMPLE.APP_HOSTNAME}/api/web/`],
      ['Mes courriels archivés', `https://${SAMPLE.APP_HOSTNAME}/api/web/archive.html`],
      ['Systèmes sur site', `https://${SAMPLE.APP_HOSTNAME}/api/web/relay.html`],
      ['Personnel', `https://${SAMPLE.APP_HOSTNAME}/api/web/people.html`],
      ['Mes formations', `https://${SAMPLE.APP_HOSTNAME}/api/web/training.html`],
      ['Espaces', `https://${SAMPLE.APP_HOSTNAME}/api/web/collaboration.html`],
      ['Déploiement', `https://${SAMPLE.APP_HOSTNAME}/api/web/rollout.html`],
    ]);
    for (const tab of manifest.staticTabs) {
      expect(tab.scopes).toEqual(['personal']);
      const page = new URL(tab.contentUrl).pathname.replace(/^\/api\/web\//, '');
      expect((await readWebAsset(page))?.contentType, tab.contentUrl).toMatch(/^text\/html/);
    }
  });

  it('has a 192x192 colour icon and a 32x32 outline icon that is white on transparent', () => {
    const icons = manifest.icons as { color: string; outline: string };
    const color = readPng(files.get(icons.color)!);
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = readPng(files.get(icons.outline)!);
    expect([outline.width, outline.height, outline.bitDepth, outline.colorType]).toEqual([32, 32, 8, 6]);
    const px = outline.pixels!;
    let transparent = 0;
    let opaque = 0;
    for (let i = 0; i < px.length; i += 4) {
      const alpha = px[i + 3]!;
      if (alpha === 0) transparent++;
      else expect([px[i], px[i + 1], px[i + 2]], `pixel ${i / 4}`).toEqual([255, 255, 255]);
      if (alpha === 255) opaque++;
    }
    // Mostly transparent background, with a visible mark.
    expect(transparent).toBeGreaterThan(32 * 32 * 0.3);
    expect(opaque).toBeGreaterThan(32 * 32 * 0.1);
  });

  it('takes the privacy and terms addresses from settings, https only', async () => {
    const otherDir = mkdtempSync(path.join(tmpdir(), 'teams-package-'));
    try {
      const urls = { TEAMS_PRIVACY_URL: 'https://www.example.org/confidentialite', TEAMS_TERMS_URL: 'https://www.example.org/conditions' };
      const run = runPackage({ ...SAMPLE, ...urls }, ['--out-dir', otherDir]);
      expect(run.status).toBe(0);
      const other = await unzip(path.join(otherDir, `${pkg.name}-${pkg.version}.zip`));
      const developer = (JSON.parse(other.get('manifest.json')!.toString('utf8')) as { developer: object }).developer;
      expect(developer).toMatchObject({ privacyUrl: urls.TEAMS_PRIVACY_URL, termsOfUseUrl: urls.TEAMS_TERMS_URL });
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
    const plain = runPackage({ ...SAMPLE, TEAMS_TERMS_URL: 'http://www.example.org/conditions' }, ['--out-dir', outDir]);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toContain('Invalid value for TEAMS_TERMS_URL ("http://www.example.org/conditions"): an https address is expected.');
  });

  it('stops with a message naming a missing variable, in French and English', () => {
    const { APP_HOSTNAME: _host, ...withoutHost } = SAMPLE;
    const run = runPackage(withoutHost, ['--out-dir', outDir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Variable manquante : APP_HOSTNAME (ou --hostname)');
    expect(run.stderr).toContain('Missing variable: APP_HOSTNAME (or --hostname)');
    expect(run.stderr).not.toContain('TEAMS_APP_ID');
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/); // a message, not a stack trace
  });

  it('names every missing variable at once, and takes them from the command line too', () => {
    const none = runPackage({}, ['--out-dir', outDir]);
    expect(none.status).toBe(1);
    for (const name of ['TEAMS_APP_ID', 'AUTH_CLIENT_ID', 'APP_HOSTNAME']) expect(none.stderr).toContain(`Missing variable: ${name}`);
    const args = runPackage({}, ['--out-dir', outDir, '--app-id', SAMPLE.TEAMS_APP_ID, `--client-id=${SAMPLE.AUTH_CLIENT_ID}`, '--hostname', SAMPLE.APP_HOSTNAME]);
    expect(args.stderr).toBe('');
    expect(args.status).toBe(0);
  });

  it('fills the template inside its strings only, so no value can break the JSON', () => {
    const filled = fillTemplate({ a: ['x {{V}} y', 3, true, null] }, { V: '", "id": "other' });
    expect(filled).toEqual({ a: ['x ", "id": "other y', 3, true, null] });
    expect(() => fillTemplate({ a: '{{UNKNOWN}}' }, {})).toThrow('{{UNKNOWN}}');
  });
});
