/**
 * `npm run archive:reindex` on the local stack: the running stack's settings, then the production
 * command (shared/archive/adapters/reindex-command.ts).
 */
import { useRunningStackSettings } from './stack-settings';

useRunningStackSettings();
require('../shared/archive/adapters/reindex-command');
