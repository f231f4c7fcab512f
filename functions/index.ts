/**
 * The function app's entry (package.json "main"). It registers every function and checks the
 * settings and data residency rules that need no network; loading it connects to nothing.
 * The Cosmos DB account's locations are checked at app start and before any data is served.
 */
import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { checkStaticResidencyOrThrow, ensureResidency } from '../shared/platform/adapters/residency-check';
import './archive/capture';
import './archive/records';
import './archive/records-timers';
import './archive/exports';
import './archive/mailboxes';
import './archive/people-scope';
import './people/people';
import './training/reminders';
import './training/training';
import './training/attack-simulation';
import './collaboration/requests';
import '../orchestrations/activities/collaboration-request';
import './collaboration/spaces';
import './rollout/rollout';
import '../orchestrations/activities/rollout';
import '../orchestrations/activities/collaboration';
import '../orchestrations/activities/archive-offboarding';
import '../orchestrations/activities/archive-integrity';
import './platform/health';
import './platform/me';
import './relay/relay';
import './relay/relay-deadletters';
import '../orchestrations/activities/relay-call';
import './platform/web';

// A missing or malformed setting, or an endpoint outside Canada, stops the app here with a
// message naming the setting.
checkStaticResidencyOrThrow(settings());

app.setup({ enableHttpStream: true });
app.hook.appStart(async () => {
  await ensureResidency();
});

