/**
 * Every sentence a person reads comes from these catalogs: fr-CA first (the union works in
 * French), English second. Keys are stable API error codes' messages.
 */
export type Language = 'fr-CA' | 'en';

const fr = {
  'auth.missing': 'Authentification requise : fournissez un jeton d’accès (en-tête Authorization: Bearer).',
  'auth.invalid': 'Le jeton d’accès est refusé ({problem}). Reconnectez-vous.',
  'auth.keysUnavailable': 'Les clés de validation des jetons sont momentanément inaccessibles. Réessayez dans un instant.',
  'auth.forbidden': 'Vous n’avez pas l’autorisation requise pour cette action (rôle requis : {roles}).',
  'auth.appNotAllowed': 'Cette action exige une personne connectée : un jeton d’application sans utilisateur n’y a pas accès.',
  'request.invalid': 'La requête contient des données invalides. Corrigez les champs indiqués.',
  'request.invalidJson': 'Le corps de la requête n’est pas un JSON valide.',
  'request.unsupportedMediaType': 'Type de contenu non pris en charge : envoyez application/json.',
  'request.tooLarge': 'Le corps de la requête dépasse la taille maximale permise ({limit} octets).',
  'request.notFound': 'Ressource introuvable.',
  'server.error': 'Une erreur inattendue est survenue. Communiquez avec le soutien en indiquant le numéro de corrélation {correlationId}.',
  'server.residency': 'Le service est indisponible : la vérification de la résidence des données au Canada a échoué.',
  'server.starting': 'Le service démarre ou une dépendance est inaccessible. Réessayez dans un instant.',
  'relay.offline': 'L’agent sur site est hors ligne : le système de mission et les archives anciennes sont inaccessibles pour le moment. Réessayez plus tard ou communiquez avec le soutien informatique.',
  'relay.notConfigured': 'Le relais vers les systèmes sur site n’est pas configuré sur ce serveur.',
  'relay.unknownOperation': 'Opération inconnue : {operation}.',
  'relay.pending': 'La demande est en cours de traitement par l’agent sur site. Consultez l’adresse de suivi dans un instant.',
  'relay.timeout': 'L’agent sur site n’a pas répondu à temps. Réessayez dans un instant.',
  'relay.denied': 'L’agent sur site a refusé la demande ({reason}).',
  'relay.notFound': 'Aucun résultat : l’élément demandé est introuvable dans le système sur site.',
  'relay.invalid': 'L’agent sur site a jugé la demande invalide. Corrigez les champs indiqués.',
  'relay.unavailable': 'Le système sur site est momentanément indisponible ({reason}). Réessayez dans un instant.',
  'relay.agentError': 'L’agent sur site a rencontré une erreur. Communiquez avec le soutien informatique en indiquant le numéro de demande {requestId}.',
  'relay.requestUnknown': 'Demande introuvable ou déjà consultée.',
  'relay.replyRefused': 'La réponse reçue pour cette demande n’a pas passé les contrôles de sécurité et a été écartée. Le soutien informatique en est averti ; indiquez le numéro de demande {requestId}.',
  'archive.notYourMailbox': 'Vous ne pouvez consulter que vos propres courriels archivés.',
  'archive.messageNotFound': 'Courriel archivé introuvable.',
  'archive.attachmentNotFound': 'Pièce jointe introuvable dans ce courriel.',
  'archive.unknownMailbox': 'Boîte aux lettres inconnue de l’archive : choisissez-la dans la liste des boîtes archivées.',
  'archive.contentTampered': 'Le contenu conservé de ce courriel ne correspond plus à son empreinte enregistrée : il n’est pas servi. L’incident est consigné et signalé au contrôle d’intégrité.',
  'archive.holdNotFound': 'Conservation pour litige introuvable.',
  'archive.exportNotFound': 'Exportation introuvable.',
  'archive.reassignUnknownMailbox': 'Boîte inconnue des archives.',
  'archive.reassignUnknownRule': 'Règle de conservation inconnue du calendrier.',
  'archive.reassignNotFound': 'Réattribution introuvable.',
  'archive.badContinuation': 'Le jeton de pagination est invalide : relancez la recherche.',
  'archive.fullTextOff': 'La recherche plein texte n’est pas configurée (AZURE_SEARCH_ENDPOINT) : la recherche par sujet, participant et date reste disponible.',
  'archive.badSearchQuery': 'La requête n’a pas pu être interprétée : vérifiez les guillemets, les parenthèses et les opérateurs (AND, OR, NOT).',
  'archive.notificationRefused': 'Notification refusée.',
  'people.notInDirectory': 'Vous n’êtes pas (encore) dans l’annuaire du personnel : il est mis à jour toutes les 15 minutes.',
  'people.readersOnly': 'L’annuaire du personnel est réservé aux ressources humaines et à l’administration TI.',
  'training.notAssigned': 'Cette formation ne vous est pas attribuée.',
  'training.notOpen': 'Cette formation n’est pas à faire en ce moment : elle est déjà terminée ou fermée.',
  'training.wrongKind': 'Cette action ne s’applique pas à ce type de formation.',
  'training.noAttemptLeft': 'Vous avez utilisé toutes vos tentatives pour ce questionnaire. Communiquez avec les ressources humaines.',
  'training.unanswered': 'Répondez à toutes les questions avant de soumettre ({count} sans réponse).',
  'training.textChanged': 'Le texte a changé depuis que vous l’avez ouvert : relisez-le avant de signer.',
  'training.certificateNotFound': 'Aucune attestation pour ce cycle de formation.',
  'training.hrOnly': 'Réservé aux ressources humaines et à l’administration TI.',
  'training.notYourTeam': 'Cette personne ne fait pas partie de votre équipe.',
  'training.futureDate': 'La date d’achèvement ne peut pas être dans le futur.',
  'training.unknownModule': 'Formation inconnue.',
  'training.personNotAssigned': 'Cette formation n’est pas attribuée à cette personne.',
  'training.alreadyDone': 'Cette formation est déjà terminée ou fermée pour cette personne.',
  'training.csvUnreadable': 'Le fichier CSV est illisible : {problem}',
  'training.csvTooMany': 'Le fichier compte trop de lignes (au plus {max}).',
  'training.remindRateLimited': 'Un rappel a déjà été envoyé pour cette formation il y a moins d’une heure. Réessayez dans {minutes} min.',
  'training.notRemindable': 'Aucun rappel possible : la formation est terminée ou en pause, ou la personne est en congé ou partie.',
  'training.remindFailed': 'Le rappel n’a pas pu être envoyé. Réessayez plus tard.',
  'training.unknownPerson': 'Cette personne ne fait pas partie du personnel en formation.',
  'training.pastDate': 'L’échéance ne peut pas être dans le passé.',
  'training.alreadyCompleted': 'Cette personne a déjà terminé cette formation : cochez « nouveau cycle » pour la lui faire reprendre.',
  'collaboration.requestInvalid': 'La demande d’espace contient des champs invalides : {fields}.',
  'collaboration.requestNotFound': 'Demande d’espace introuvable.',
  'collaboration.notApprover': 'Seuls les gestionnaires du service (ou la direction après 5 jours ouvrables, ou l’administration TI) peuvent décider de cette demande.',
  'collaboration.alreadyDecided': 'Une décision a déjà été prise pour cette demande (ou elle a expiré).',
  'collaboration.spaceNotFound': 'Cet espace n’existe pas ou vous n’en faites pas partie.',
  'collaboration.runInProgress': 'Une application du gabarit est déjà en cours : suivez-la dans la page Espaces avant d’en lancer une autre.',
  'collaboration.changesOutdated': 'Ces changements ne sont plus à jour : l’espace a été vérifié de nouveau. Rechargez la page et approuvez la liste actuelle.',
  'rollout.serviceNotFound': 'Ce service n’existe pas dans le catalogue du personnel.',
  'rollout.runNotFound': 'Ce déploiement n’existe pas (ou n’a pas encore commencé).',
  'rollout.notSkippable': 'Cette étape ne peut pas être passée : elle protège la preuve d’archivage avant le retrait des licences.',
  'rollout.notAwaitingDecision': 'Cette étape n’attend pas de décision en ce moment : rechargez la page.',
  'rollout.notRunning': 'Ce déploiement n’est pas en cours.',
} as const;

export type MessageKey = keyof typeof fr;

const en: Record<MessageKey, string> = {
  'auth.missing': 'Authentication required: provide an access token (Authorization: Bearer header).',
  'auth.invalid': 'The access token was refused ({problem}). Please sign in again.',
  'auth.keysUnavailable': 'The keys that validate tokens cannot be reached right now. Please try again shortly.',
  'auth.forbidden': 'You do not have the permission this action requires (required role: {roles}).',
  'auth.appNotAllowed': 'This action needs a signed-in person: an application token without a user cannot use it.',
  'request.invalid': 'The request contains invalid data. Correct the fields listed.',
  'request.invalidJson': 'The request body is not valid JSON.',
  'request.unsupportedMediaType': 'Unsupported content type: send application/json.',
  'request.tooLarge': 'The request body exceeds the maximum size allowed ({limit} bytes).',
  'request.notFound': 'Resource not found.',
  'server.error': 'An unexpected error occurred. Contact support with correlation number {correlationId}.',
  'server.residency': 'The service is unavailable: the check that data stays in Canada failed.',
  'server.starting': 'The service is starting or a dependency cannot be reached. Please try again shortly.',
  'relay.offline': 'The on-premises agent is offline: the mission system and the legacy archive cannot be reached right now. Please try again later or contact IT support.',
  'relay.notConfigured': 'The relay to on-premises systems is not configured on this server.',
  'relay.unknownOperation': 'Unknown operation: {operation}.',
  'relay.pending': 'The on-premises agent is still working on the request. Check the status URL shortly.',
  'relay.timeout': 'The on-premises agent did not answer in time. Please try again shortly.',
  'relay.denied': 'The on-premises agent refused the request ({reason}).',
  'relay.notFound': 'No result: the requested item was not found in the on-premises system.',
  'relay.invalid': 'The on-premises agent found the request invalid. Correct the fields listed.',
  'relay.unavailable': 'The on-premises system is temporarily unavailable ({reason}). Please try again shortly.',
  'relay.agentError': 'The on-premises agent ran into an error. Contact IT support with request number {requestId}.',
  'relay.requestUnknown': 'Request not found or already read.',
  'relay.replyRefused': 'The answer received for this request failed the security checks and was discarded. IT support has been alerted; quote request number {requestId}.',
  'archive.notYourMailbox': 'You can only view your own archived mail.',
  'archive.messageNotFound': 'Archived message not found.',
  'archive.attachmentNotFound': 'Attachment not found in this message.',
  'archive.unknownMailbox': 'Mailbox unknown to the archive: choose it from the list of archived mailboxes.',
  'archive.contentTampered': 'The stored content of this message no longer matches its recorded hash: it is not served. The incident is logged and reported to the integrity check.',
  'archive.holdNotFound': 'Legal hold not found.',
  'archive.exportNotFound': 'Export not found.',
  'archive.reassignUnknownMailbox': 'Mailbox unknown to the archive.',
  'archive.reassignUnknownRule': 'Retention rule not in the calendar.',
  'archive.reassignNotFound': 'Re-assignment not found.',
  'archive.badContinuation': 'The paging token is invalid: run the search again.',
  'archive.fullTextOff': 'Full-text search is not configured (AZURE_SEARCH_ENDPOINT): search by subject, participant and date is still available.',
  'archive.badSearchQuery': 'The query could not be understood: check the quotes, parentheses and operators (AND, OR, NOT).',
  'archive.notificationRefused': 'Notification refused.',
  'people.notInDirectory': 'You are not (yet) in the staff directory: it is updated every 15 minutes.',
  'people.readersOnly': 'The staff directory is for human resources and IT administration only.',
  'training.notAssigned': 'This training is not assigned to you.',
  'training.notOpen': 'This training is not due now: it is already completed or closed.',
  'training.wrongKind': 'This action does not apply to this kind of training.',
  'training.noAttemptLeft': 'You have used every attempt for this quiz. Contact human resources.',
  'training.unanswered': 'Answer every question before submitting ({count} unanswered).',
  'training.textChanged': 'The text changed since you opened it: read it again before signing.',
  'training.certificateNotFound': 'No certificate for this training cycle.',
  'training.hrOnly': 'For human resources and IT administration only.',
  'training.notYourTeam': 'This person is not on your team.',
  'training.futureDate': 'The completion date cannot be in the future.',
  'training.unknownModule': 'Unknown training module.',
  'training.personNotAssigned': 'This module is not assigned to this person.',
  'training.alreadyDone': 'This training is already completed or closed for this person.',
  'training.csvUnreadable': 'The CSV file cannot be read: {problem}',
  'training.csvTooMany': 'The file has too many lines (at most {max}).',
  'training.remindRateLimited': 'A reminder was already sent for this training less than an hour ago. Try again in {minutes} min.',
  'training.notRemindable': 'No reminder possible: the training is completed or paused, or the person is on leave or has left.',
  'training.remindFailed': 'The reminder could not be sent. Please try again later.',
  'training.unknownPerson': 'This person is not among the staff in training.',
  'training.pastDate': 'The due date cannot be in the past.',
  'training.alreadyCompleted': 'This person already completed this training: ask for a new cycle to have them take it again.',
  'collaboration.requestInvalid': 'The space request has invalid fields: {fields}.',
  'collaboration.requestNotFound': 'Space request not found.',
  'collaboration.notApprover': 'Only the service’s managers (or the direction after 5 business days, or IT administration) may decide this request.',
  'collaboration.alreadyDecided': 'This request was already decided (or it expired).',
  'collaboration.spaceNotFound': 'This space does not exist or you are not a member of it.',
  'collaboration.runInProgress': 'A template run is already in progress: follow it on the Spaces page before starting another.',
  'collaboration.changesOutdated': 'These changes are out of date: the space was verified again. Reload the page and approve the current list.',
  'rollout.serviceNotFound': 'This service is not in the staff catalogue.',
  'rollout.runNotFound': 'This rollout does not exist (or has not started yet).',
  'rollout.notSkippable': 'This step cannot be skipped: it protects the archive proof before licences are removed.',
  'rollout.notAwaitingDecision': 'This step is not awaiting a decision right now: reload the page.',
  'rollout.notRunning': 'This rollout is not running.',
};

const catalogs: Record<Language, Record<MessageKey, string>> = { 'fr-CA': fr, en };

export function translate(language: Language, key: MessageKey, params: Record<string, string | number> = {}): string {
  return catalogs[language][key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/**
 * Picks fr-CA unless the caller prefers English (Accept-Language, with q-values). Any French
 * variant, an unknown language or no header at all gives fr-CA.
 */
export function negotiateLanguage(acceptLanguage: string | null | undefined): Language {
  if (!acceptLanguage) return 'fr-CA';
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.tag && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag.startsWith('fr')) return 'fr-CA';
    if (tag.startsWith('en')) return 'en';
  }
  return 'fr-CA';
}
