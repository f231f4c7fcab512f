/**
 * `npm run collaboration:plan [space-key ...]` on the local stack: the running stack's settings,
 * then the production dry run (shared/collaboration/adapters/plan-command.ts) as in Azure.
 */
import { useRunningStackSettings } from './stack-settings';

useRunningStackSettings();
require('../shared/collaboration/adapters/plan-command');
