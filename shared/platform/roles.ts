/**
 * The app roles of the API's app registration (Entra ID), declared once. Everything that names a
 * role uses these: endpoints, the relay contract the on-premises agent bundles (so this file has
 * no dependency), orchestration inputs, the Bicep app registration notes and the Teams pages.
 */
export const APP_ROLES = ['Staff', 'Manager', 'RecordsManager', 'HR', 'ITAdmin'] as const;
export type AppRole = (typeof APP_ROLES)[number];

/**
 * Roles only applications (app-only tokens, no signed-in person) hold. An application is refused on
 * every endpoint unless the endpoint names one of these: user roles given to an application (an
 * app registration assigned "ITAdmin", say) never make it act as a person.
 */
export const APPLICATION_ROLES = ['Automation'] as const;
export type ApplicationRole = (typeof APPLICATION_ROLES)[number];
