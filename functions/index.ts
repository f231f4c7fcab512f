/**
 * The function app's entry (package.json "main"). It registers every function and checks the
 * settings and data residency rules that need no network; loading it connects to nothing.
 * The Cosmos DB account's locations are checked in the background from app start (retried with
 * backoff); no function serves or touches data before that check has passed.
 */
import { app } from '@azure/functions';
import { settings } from '../shared/platform/settings';
import { checkStaticResidencyOrThrow } from '../shared/platform/adapters/residency-check';
import { gateTriggersOnResidency, startResidencyCheck } from './residency-start';
import { startTelemetry } from '../shared/platform/adapters/telemetry';
import './archive/capture';
import './archive/records';
import './archive/records-timers';
import './archive/exports';
import './archive/mailboxes';
import './archive/retention';
import './archive/people-scope';
import './archive/full-text';
import './archive/notifications';
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
import '../orchestrations/activities/archive-retention';
import './platform/health';
import './platform/me';
import './relay/relay';
import './relay/relay-deadletters';
import '../orchestrations/activities/relay-call';
import './platform/web';

// A missing or malformed setting, or an endpoint outside Canada, stops the app here with a
// message naming the setting.
checkStaticResidencyOrThrow(settings());

// Exports to Application Insights only where APPLICATIONINSIGHTS_CONNECTION_STRING is set (Azure).
startTelemetry();

app.setup({ enableHttpStream: true });
// Not awaited: on the worker a failed appStart hook fails start-up, and a Cosmos DB blip must not
// take the app down. Until the check passes, HTTP endpoints answer 503 and other triggers wait.
app.hook.appStart(() => startResidencyCheck());
gateTriggersOnResidency();

