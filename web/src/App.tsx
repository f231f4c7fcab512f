import { Button, FluentProvider, Select, Spinner, Text, makeStaticStyles, makeStyles, tokens } from '@fluentui/react-components';
import { Suspense, lazy, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { apiClient, ApiError } from './api';
import { connectTeams, forgetLocalToken, localToken, startLocalSignIn, type TeamsHost, type WebConfig } from './auth';
import { I18nProvider, useI18n, type MessageKey } from './i18n/i18n';
import { CAPABILITIES, SessionContext, pageFromLocation, type InfoPageId, type Me, type PageId, type Session } from './session';
import { fluentTheme, fromTeams, rememberThemeChoice, storedThemeChoice, systemTheme, type ThemeChoice } from './theme';
import { ErrorState } from './components/States';
import { NotAllowed } from './pages/NotAllowed';
import { HomePage } from './pages/HomePage';
import { InfoPage } from './pages/InfoPage';

// Each page is its own chunk: the shell loads only the one it shows.
const ArchivePage = lazy(() => import('./pages/archive/ArchivePage'));
const RelayPage = lazy(() => import('./pages/relay/RelayPage'));
const PeoplePage = lazy(() => import('./pages/people/PeoplePage'));
const TrainingPage = lazy(() => import('./pages/training/TrainingPage'));
const CollaborationPage = lazy(() => import('./pages/collaboration/CollaborationPage'));
const RolloutPage = lazy(() => import('./pages/rollout/RolloutPage'));

const useGlobalStyles = makeStaticStyles({ body: { margin: 0 }, '*': { boxSizing: 'border-box' } });

const useStyles = makeStyles({
  root: { minHeight: '100vh', backgroundColor: tokens.colorNeutralBackground2, color: tokens.colorNeutralForeground1 },
  skip: {
    position: 'absolute',
    left: '-999px',
    top: 0,
    padding: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorBrandForegroundLink,
    ':focus': { left: tokens.spacingHorizontalM, zIndex: 10 },
  },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalXL}`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  title: { margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
  actions: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  who: { display: 'flex', flexDirection: 'column', textAlign: 'right', color: tokens.colorNeutralForeground2 },
  nav: { padding: `0 ${tokens.spacingHorizontalL}`, backgroundColor: tokens.colorNeutralBackground1, borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
  navList: { listStyleType: 'none', display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, margin: 0, padding: 0 },
  navLink: {
    display: 'inline-block',
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    color: tokens.colorNeutralForeground2,
    textDecorationLine: 'none',
    borderBottom: `${tokens.strokeWidthThicker} solid transparent`,
    ':hover': { color: tokens.colorNeutralForeground1, borderBottomColor: tokens.colorNeutralStroke1 },
    '@media (forced-colors: active)': { borderBottomColor: 'Canvas' },
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  navCurrent: { color: tokens.colorNeutralForeground1, fontWeight: tokens.fontWeightSemibold, borderBottomColor: tokens.colorCompoundBrandStroke, '@media (forced-colors: active)': { borderBottomColor: 'Highlight' } },
  main: { maxWidth: '90rem', margin: '0 auto', padding: tokens.spacingHorizontalXL, ':focus': { outlineStyle: 'none' } },
  footer: { maxWidth: '90rem', margin: '0 auto', padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXL}`, display: 'flex', gap: tokens.spacingHorizontalL },
  footerLink: { color: tokens.colorBrandForegroundLink, ':hover': { color: tokens.colorBrandForegroundLinkHover } },
  panel: { backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, padding: tokens.spacingHorizontalXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, alignItems: 'flex-start' },
  themeSelect: { minWidth: '10rem' },
});

// Every page the navigation can list has its label (a new capability without one fails typecheck).
const NAV_LABELS = { home: 'navHome', archive: 'navArchive', relay: 'navRelay', people: 'navPeople', training: 'navTraining', collaboration: 'navCollaboration', rollout: 'navRollout' } as const satisfies Record<Exclude<PageId, InfoPageId>, MessageKey>;

type Phase = { kind: 'loading' } | { kind: 'signedOut'; config: WebConfig } | { kind: 'signedIn'; config: WebConfig; me: Me } | { kind: 'error'; error: unknown };

export function App() {
  return (
    <I18nProvider>
      <Themed />
    </I18nProvider>
  );
}

/** The theme: Teams' own (followed live) inside Teams; outside, the person's choice, by default the system's. */
function Themed() {
  const [teams, setTeams] = useState<TeamsHost | null | undefined>(undefined);
  const [teamsTheme, setTeamsTheme] = useState<'light' | 'dark' | 'contrast'>('light');
  const [choice, setChoice] = useState<ThemeChoice>(storedThemeChoice);
  const [system, setSystem] = useState(systemTheme);
  useEffect(() => {
    const queries = [matchMedia('(prefers-color-scheme: dark)'), matchMedia('(forced-colors: active)')];
    const update = () => setSystem(systemTheme());
    queries.forEach((q) => q.addEventListener('change', update));
    return () => queries.forEach((q) => q.removeEventListener('change', update));
  }, []);
  useEffect(() => {
    void connectTeams().then((host) => {
      setTeams(host);
      if (host) {
        setTeamsTheme(fromTeams(host.theme));
        host.onThemeChange((t) => setTeamsTheme(fromTeams(t)));
      }
    });
  }, []);
  const kind = teams ? teamsTheme : choice === 'system' ? system : choice;
  const theme = fluentTheme(kind);
  const chooseTheme = (c: ThemeChoice) => {
    setChoice(c);
    rememberThemeChoice(c);
  };
  return (
    <FluentProvider theme={theme} data-theme={kind}>
      <Shell teams={teams} themeChoice={teams ? null : choice} onThemeChoice={chooseTheme} />
    </FluentProvider>
  );
}

function Shell({ teams, themeChoice, onThemeChoice }: { teams: TeamsHost | null | undefined; themeChoice: ThemeChoice | null; onThemeChoice(c: ThemeChoice): void }) {
  useGlobalStyles();
  const s = useStyles();
  const i18n = useI18n();
  const { t, language, setLanguage } = i18n;
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [page, setPage] = useState<PageId>(pageFromLocation);
  const token = useRef<string | null>(null);
  const languageRef = useRef(language);
  languageRef.current = language;
  const api = useMemo(() => apiClient(() => token.current, () => languageRef.current), []);
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => {
    document.title = page === 'archive' ? t('navArchive') : page === 'relay' ? t('navRelay') : page === 'people' ? t('navPeople') : page === 'training' ? t('navTraining') : page === 'collaboration' ? t('navCollaboration') : page === 'rollout' ? t('navRollout') : page === 'privacy' ? t('privacyTitle') : page === 'terms' ? t('termsTitle') : t('appTitle');
  }, [page, t]);

  useEffect(() => {
    const onPop = () => setPage(pageFromLocation());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const start = useCallback(async () => {
    if (teams === undefined) return; // still finding out whether Teams frames the page
    setPhase({ kind: 'loading' });
    try {
      const config = await api.get<WebConfig>('web/config.json');
      token.current = teams ? await teams.token() : localToken();
      if (!token.current) {
        setPhase({ kind: 'signedOut', config });
        return;
      }
      try {
        const me = await api.get<Me>('me');
        setPhase({ kind: 'signedIn', config, me });
        performance.mark('spgq:signed-in');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401 && !teams) {
          forgetLocalToken();
          token.current = null;
          setPhase({ kind: 'signedOut', config });
        } else throw error;
      }
    } catch (error) {
      setPhase({ kind: 'error', error });
    }
  }, [api, teams]);

  useEffect(() => {
    void start();
  }, [start]);

  const navigate = useCallback((next: PageId) => {
    const path = next === 'home' ? 'index.html' : `${next}.html`;
    history.pushState(null, '', path);
    setPage(next);
    mainRef.current?.focus();
  }, []);

  const session = useMemo<Session | null>(() => (phase.kind === 'signedIn' ? { me: phase.me, api, navigate } : null), [phase, api, navigate]);
  const me = phase.kind === 'signedIn' ? phase.me : null;
  const offered = me ? CAPABILITIES.filter((c) => c.roles.some((r) => me.roles.includes(r))) : [];
  const roleNames = me ? (me.roles.length ? me.roles.map((r) => i18n.label('role_', r)).join(', ') : t('noRoles')) : '';

  const signOut = () => {
    forgetLocalToken();
    token.current = null;
    if (phase.kind === 'signedIn') setPhase({ kind: 'signedOut', config: phase.config });
  };

  return (
    <div className={s.root}>
      <a className={s.skip} href="#main">
        {t('skip')}
      </a>
      <header className={s.header}>
        <h1 className={s.title}>{t('appTitle')}</h1>
        <div className={s.actions}>
          <Button id="language-switch" lang={language === 'fr-CA' ? 'en' : 'fr-CA'} aria-label={t('switchLanguageLabel')} onClick={() => setLanguage(language === 'fr-CA' ? 'en' : 'fr-CA')}>
            {t('switchLanguage')}
          </Button>
          {themeChoice ? (
            <Select id="theme-choice" className={s.themeSelect} aria-label={t('themeLabel')} value={themeChoice} onChange={(_, d) => onThemeChoice(d.value as ThemeChoice)}>
              {(['system', 'light', 'dark', 'contrast'] as const).map((c) => (
                <option key={c} value={c}>
                  {t(`theme${c[0]!.toUpperCase()}${c.slice(1)}` as MessageKey)}
                </option>
              ))}
            </Select>
          ) : null}
          {me ? (
            <div className={s.who}>
              <Text id="signed-in-name" weight="semibold">
                {me.name ?? me.oid}
              </Text>
              <Text id="roles" size={200}>
                {roleNames}
              </Text>
            </div>
          ) : null}
          {me && !teams && phase.kind === 'signedIn' && phase.config.localSignIn ? (
            <Button id="sign-out" appearance="subtle" onClick={signOut}>
              {t('signOut')}
            </Button>
          ) : null}
        </div>
      </header>
      {me ? (
        <nav className={s.nav} aria-label={t('navLabel')}>
          <ul className={s.navList}>
            {(['home', ...offered.map((c) => c.id)] as PageId[]).map((id) => (
              <li key={id}>
                <a
                  className={id === page ? `${s.navLink} ${s.navCurrent}` : s.navLink}
                  href={id === 'home' ? 'index.html' : `${id}.html`}
                  aria-current={id === page ? 'page' : undefined}
                  onClick={(e) => {
                    // A plain link (deep links, new tabs) that changes page without reloading the shell.
                    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                    e.preventDefault();
                    navigate(id);
                  }}
                >
                  {t(NAV_LABELS[id as keyof typeof NAV_LABELS])}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      <main id="main" ref={mainRef} tabIndex={-1} className={s.main}>
        {page === 'privacy' || page === 'terms' ? (
          <InfoPage page={page} />
        ) : phase.kind === 'loading' || teams === undefined ? (
          <Spinner label={t('loading')} />
        ) : phase.kind === 'error' ? (
          <ErrorState error={phase.error} onRetry={() => void start()} />
        ) : phase.kind === 'signedOut' ? (
          <section className={s.panel} aria-labelledby="signed-out-title">
            <h2 id="signed-out-title">{t('signInTitle')}</h2>
            <p>{phase.config.localSignIn ? t('signInHelp') : t('openInTeams')}</p>
            {phase.config.localSignIn ? (
              <Button appearance="primary" id="sign-in" onClick={() => startLocalSignIn(phase.config, language)}>
                {t('signIn')}
              </Button>
            ) : null}
          </section>
        ) : session ? (
          <SessionContext.Provider value={session}>
            <Suspense fallback={<Spinner label={t('loading')} />}>
              {page === 'home' ? (
                <HomePage offered={offered.map((c) => c.id)} />
              ) : !offered.some((c) => c.id === page) ? (
                // Opened by its address (a bookmark, a Teams tab every user sees) without the role: said plainly.
                <NotAllowed page={page} />
              ) : page === 'archive' ? (
                <ArchivePage />
              ) : page === 'relay' ? (
                <RelayPage />
              ) : page === 'training' ? (
                <TrainingPage />
              ) : page === 'collaboration' ? (
                <CollaborationPage />
              ) : page === 'rollout' ? (
                <RolloutPage />
              ) : (
                <PeoplePage />
              )}
            </Suspense>
          </SessionContext.Provider>
        ) : null}
      </main>
      <footer className={s.footer}>
        {(['privacy', 'terms'] as const).map((id) => (
          <a key={id} className={s.footerLink} href={`${id}.html`} aria-current={id === page ? 'page' : undefined}>
            {t(id === 'privacy' ? 'footerPrivacy' : 'footerTerms')}
          </a>
        ))}
      </footer>
    </div>
  );
}
