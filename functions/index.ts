/**
 * The function app's entry (package.json "main"). It registers every function and checks the
 * settings and data residency rules that need no network; loading it connects to nothing.
 * The Cosmos DB account's locations are checked at app start and before any data is served.
 */
import { app } from '@azure/functions';
import { settings } from '../shared/config/settings';
import { checkStaticResidencyOrThrow, ensureResidency } from '../shared/residency/startup-check';
import './archive-capture';
import './archive-records';
import './archive-records-timers';
import './archive-exports';
import './archive-mailboxes';
import '../orchestrations/archive-offboarding';
import './health';
import './me';
import './relay';
import '../orchestrations/relay-activity';
import './web';

// A missing or malformed setting, or an endpoint outside Canada, stops the app here with a
// message naming the setting.
checkStaticResidencyOrThrow(settings());

app.setup({ enableHttpStream: true });
app.hook.appStart(async () => {
  await ensureResidency();
});

