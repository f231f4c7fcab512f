/**
 * The app roles of the API's app registration (Entra ID), declared once. Everything that names a
 * role uses these: endpoints, the relay contract the on-premises agent bundles (so this file has
 * no dependency), orchestration inputs, the Bicep app registration notes and the Teams pages.
 */
export const APP_ROLES = ['Staff', 'Manager', 'RecordsManager', 'HR', 'ITAdmin'] as const;
export type AppRole = (typeof APP_ROLES)[number];
