import type { StepBlocker } from './model';
import type { Text } from './view';

/** What each blocker says to the person who must act, in both languages, with its counts. */
export function blockerMessage(blocker: StepBlocker): Text {
  const d = blocker.detail;
  const n = (k: string) => d[k] ?? 0;
  switch (blocker.code) {
    case 'step-failed':
      return { 'fr-CA': 'L’étape a échoué malgré les reprises automatiques. Relancez-la, ou passez-la en donnant une raison.', en: 'The step failed despite automatic retries. Retry it, or skip it with a reason.' };
    case 'space-blocked':
      return { 'fr-CA': 'L’espace collaboratif attend une approbation des TI (retraits d’accès importants) dans la page Espaces.', en: 'The collaborative space awaits IT approval (large access removals) on the Spaces page.' };
    case 'people-failed':
      return { 'fr-CA': `${n('failed')} employé(s) n’ont pas pu être intégrés (licences ou archivage). Voyez l’onglet Personnes, puis relancez.`, en: `${n('failed')} employee(s) could not be onboarded (licences or archiving). See the People tab, then retry.` };
    case 'archive-incomplete':
      if (n('unverifiable') > 0) {
        return {
          'fr-CA': 'L’archivage de la boîte aux lettres n’a pas pu être vérifié (Microsoft 365 refuse une partie des lectures). Les licences ne seront pas retirées avant la preuve; une nouvelle vérification est prévue.',
          en: 'The mailbox’s archive could not be verified (Microsoft 365 refuses some reads). Licences will not be removed before the proof; another check is scheduled.',
        };
      }
      return {
        'fr-CA': `L’archivage de la boîte aux lettres n’est pas prouvé complet (${n('missing')} message(s) manquant(s)). Les licences ne seront pas retirées avant la preuve; une nouvelle vérification est prévue.`,
        en: `The mailbox’s archive is not proven complete (${n('missing')} message(s) missing). Licences will not be removed before the proof; another check is scheduled.`,
      };
    case 'training-below-threshold':
      return {
        'fr-CA': `Échéance passée : ${n('completed')} formation(s) terminée(s) sur ${n('total')}, sous le seuil de ${n('threshold')} %. Les gestionnaires doivent relancer leurs équipes.`,
        en: `Deadline passed: ${n('completed')} of ${n('total')} training assignment(s) completed, below the ${n('threshold')}% threshold. Managers must follow up with their teams.`,
      };
    case 'numbers-unconfirmed':
      return {
        'fr-CA': `Les TI doivent attribuer les numéros de téléphone dans le centre d’administration Teams (${n('people')} personne(s)), puis confirmer ici.`,
        en: `IT must assign the phone numbers in the Teams admin center (${n('people')} people), then confirm here.`,
      };
    case 'templates-missing':
      return { 'fr-CA': `${n('missing')} modèle(s) de document manquent dans l’espace du service.`, en: `${n('missing')} document template(s) are missing from the service's space.` };
    case 'licences-unavailable':
      return { 'fr-CA': 'Le locataire n’a pas d’abonnement pour une licence prévue. Achetez-la ou corrigez la configuration, puis relancez.', en: 'The tenant has no subscription for a planned licence. Buy it or fix the configuration, then retry.' };
  }
}
