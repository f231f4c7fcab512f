/**
 * `npm run collaboration:plan [space-key ...]` on the local stack: the running stack's settings,
 * then the dry run (functions/collaboration/plan-command.ts) with the app's own adapters.
 */
import { useRunningStackSettings } from './stack-settings';

useRunningStackSettings();
require('../functions/collaboration/plan-command');
