import { app } from '@azure/functions';
import { publicEndpoint } from '../http/endpoint';
import { settings } from '../../shared/platform/settings';
import { currentHealth } from '../../shared/platform/adapters/dependency-probes';
import { assertArchiveIntegrity } from '../../shared/archive/records/integrity';
import { recordsServices } from '../../shared/archive/adapters/records-services';

/** GET /api/health: anonymous; version and the state of each dependency, never configuration. */
export const health = publicEndpoint({
  // Health reports on residency itself, so it must answer when the gate is closed.
  skipResidencyGate: true,
  async handle() {
    const report = await currentHealth(settings(), {
      // Not a round trip to a dependency: the last archive verification's verdict (a mismatch fails health).
      archiveIntegrity: () => assertArchiveIntegrity(recordsServices().verdicts),
    });
    return { status: report.status === 'healthy' ? 200 : 503, body: report };
  },
});

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'api/health', handler: health });
