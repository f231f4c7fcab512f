/**
 * The health report: each dependency probed with a time limit, in parallel, summarised without
 * leaking configuration (no endpoint, no error text: a status and a short reason code only).
 */
export type CheckStatus = 'ok' | 'failed';
export type FailureReason = 'timeout' | 'unreachable' | 'unauthorized' | 'violation' | 'error';

export interface CheckResult {
  status: CheckStatus;
  durationMs: number;
  reason?: FailureReason;
}

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  version: string;
  checkedAt: string;
  checks: Record<string, CheckResult>;
}

export type Probe = () => Promise<unknown>;
export type ClassifyFailure = (error: unknown) => FailureReason;

export async function runHealthChecks(
  version: string,
  probes: Record<string, Probe>,
  classify: ClassifyFailure,
  timeoutMs = 3_000,
  now: () => number = Date.now,
): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, CheckResult]> => {
      const started = now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          probe(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new ProbeTimeout()), timeoutMs);
          }),
        ]);
        return [name, { status: 'ok', durationMs: now() - started }];
      } catch (error) {
        const reason = error instanceof ProbeTimeout ? 'timeout' : classify(error);
        return [name, { status: 'failed', durationMs: now() - started, reason }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  const healthy = entries.every(([, c]) => c.status === 'ok');
  return { status: healthy ? 'healthy' : 'unhealthy', version, checkedAt: new Date(now()).toISOString(), checks };
}

class ProbeTimeout extends Error {}

/**
 * A capability's probe throws this when what it checks is broken in a way that is not a failing
 * dependency (the archive's last integrity verdict is a mismatch): health reports `violation`.
 */
export class HealthViolation extends Error {}

/** Maps SDK and network errors to a reason code without keeping their text. */
export function classifyDependencyFailure(error: unknown): FailureReason {
  const e = error as { name?: string; code?: string; statusCode?: number; status?: number; message?: string } | undefined;
  if (error instanceof HealthViolation || e?.name === 'ResidencyViolation') return 'violation';
  const status = e?.statusCode ?? e?.status;
  if (status === 401 || status === 403) return 'unauthorized';
  // Some SDKs wrap the socket error (Service Bus: code GeneralError, message "ECONNREFUSED: ...").
  const code = `${e?.code ?? ''} ${e?.message ?? ''}`;
  if (/ECONNREFUSED|ENOTFOUND|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|ServiceCommunicationProblem|REQUEST_SEND_ERROR|fetch failed/i.test(code)) return 'unreachable';
  if (/UnauthorizedAccess/.test(code)) return 'unauthorized';
  return 'error';
}
