/**
 * `npm run archive:verify` on the local stack: the running stack's settings, then the production
 * command (shared/archive/adapters/verify-command.ts) as it would run in Azure.
 */
import { useRunningStackSettings } from './stack-settings';

useRunningStackSettings();
require('../shared/archive/adapters/verify-command');
