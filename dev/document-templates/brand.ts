/**
 * The union's identity as the document templates show it. The name is a neutral placeholder: replace
 * it (and the address) with the union's own, rebuild (`npm run build:document-templates`) and bump
 * each template's `version` in config/collaboration-template.json.
 */
export const BRAND = {
  name: 'Syndicat des professionnelles et professionnels — exemple',
  shortName: 'SPP — exemple',
  address: '1000, rue de l’Exemple, bureau 200, Montréal (Québec)  H2X 0A0',
  phone: '514 555-0100',
  email: 'info@example.org',
  web: 'example.org',
  /** Hex colours without '#'. Text colours keep at least 4.5:1 against white. */
  colours: {
    /** Marine: titles, bands, table headers (white text on it: 11.6:1). */
    primary: '173B63',
    /** Sarcelle: secondary text, placeholders (5.6:1 on white). */
    secondary: '2E6E8E',
    /** Brique: thin rules and accents only, never text. */
    accent: 'C8553D',
    /** Pale blue: fields to fill in, alternate rows. */
    light: 'E8F0F7',
    /** Body text grey (10.4:1 on white). */
    text: '333333',
    /** Small print grey (7:1 on white). */
    muted: '595959',
  },
  fonts: { headings: 'Calibri Light', body: 'Calibri' },
} as const;

/**
 * Creation and modification date written into every package (docProps/core.xml) and every zip entry,
 * so that a rebuild of unchanged content gives the same bytes (the collaboration engine re-places a
 * template in every space whenever its hash changes). Change it only with the content.
 */
export const BUILD_DATE = new Date('2026-12-01T12:00:00Z');
