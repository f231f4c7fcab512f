import { teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme, type Theme } from '@fluentui/react-components';
import type { TeamsTheme } from './auth';

/** Outside Teams the person may choose; "system" follows the OS (dark mode, forced colours). */
export type ThemeChoice = 'system' | 'light' | 'dark' | 'contrast';
const THEME_KEY = 'spgq.theme';

export function storedThemeChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(THEME_KEY);
    if (v === 'light' || v === 'dark' || v === 'contrast' || v === 'system') return v;
  } catch {
    // storage blocked: follow the system
  }
  return 'system';
}

export function rememberThemeChoice(choice: ThemeChoice): void {
  try {
    localStorage.setItem(THEME_KEY, choice);
  } catch {
    // not remembered, still applied
  }
}

export function systemTheme(): Exclude<ThemeChoice, 'system'> {
  if (matchMedia('(forced-colors: active)').matches) return 'contrast';
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function fluentTheme(kind: Exclude<ThemeChoice, 'system'>): Theme {
  return kind === 'dark' ? teamsDarkTheme : kind === 'contrast' ? teamsHighContrastTheme : teamsLightTheme;
}

export const fromTeams = (t: TeamsTheme): Exclude<ThemeChoice, 'system'> => (t === 'dark' ? 'dark' : t === 'contrast' ? 'contrast' : 'light');
