/**
 * Sign-in. Inside Teams: Teams SSO (authentication.getAuthToken). Outside Teams, on the local
 * stack only (web/config.json localSignIn): the local token issuer's authorize page, which lists
 * the demo staff to pick from, and returns a token in the address's fragment (implicit flow).
 *
 * teams-js is loaded only when the page is framed: on import it fetches its list of valid Teams
 * origins from Microsoft's CDN (res.cdn.office.net), which the page's CSP refused: that was the
 * console error on every load. Outside Teams it is now never loaded; inside Teams the CSP allows
 * that one origin for fetch (shared/platform/web-assets.ts).
 */
export interface WebConfig {
  tenantId: string;
  clientId: string;
  authority: string;
  scope: string;
  localSignIn: boolean;
}

export type TeamsTheme = 'default' | 'dark' | 'contrast';

export interface TeamsHost {
  token(): Promise<string>;
  theme: TeamsTheme;
  locale: string | null;
  onThemeChange(handler: (theme: TeamsTheme) => void): void;
}

const TOKEN_KEY = 'spgq.token';
const STATE_KEY = 'spgq.signInState';

const asTheme = (theme: string | undefined): TeamsTheme => (theme === 'dark' ? 'dark' : theme === 'contrast' ? 'contrast' : 'default');

let subPageId: string | null = null;

/** What a Teams deep link asked the tab to open (its subEntityId, e.g. "request:<id>"), when Teams framed the page. */
export function teamsSubPage(): string | null {
  return subPageId;
}

/** The Teams host when framed by Teams (initialize answers within 3 s), else null. */
export async function connectTeams(): Promise<TeamsHost | null> {
  if (window.parent === window) return null;
  try {
    const teams = await import('@microsoft/teams-js');
    const ready = await Promise.race([teams.app.initialize().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    if (!ready) return null;
    const context = await teams.app.getContext();
    subPageId = context.page?.subPageId || null;
    return {
      token: () => teams.authentication.getAuthToken(),
      theme: asTheme(context.app.theme),
      locale: context.app.locale ?? null,
      onThemeChange: (handler) => teams.app.registerOnThemeChangeHandler((theme) => handler(asTheme(theme))),
    };
  } catch {
    return null;
  }
}

/** A token the local issuer just returned in the fragment (checked against our state), or the one kept for this tab. */
export function localToken(): string | null {
  if (location.hash.length > 1) {
    const params = new URLSearchParams(location.hash.slice(1));
    const token = params.get('access_token');
    if (token) {
      const expected = sessionStorage.getItem(STATE_KEY);
      history.replaceState(null, '', location.pathname + location.search);
      sessionStorage.removeItem(STATE_KEY);
      if (expected && params.get('state') === expected) {
        sessionStorage.setItem(TOKEN_KEY, token);
        return token;
      }
    }
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function startLocalSignIn(config: WebConfig, language: string): void {
  const state = Array.from(crypto.getRandomValues(new Uint32Array(4))).join('-');
  sessionStorage.setItem(STATE_KEY, state);
  const url = new URL(`${config.authority}/${config.tenantId}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'token',
    // Back to the page the person was on (archive.html, relay.html...).
    redirect_uri: location.origin + location.pathname,
    scope: config.scope,
    state,
    ui_locales: language,
  }).toString();
  location.assign(url.toString());
}

export function forgetLocalToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
