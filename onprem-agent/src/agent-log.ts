/**
 * The agent's operational log: JSON lines on stdout (journald or the Windows service wrapper keep
 * them). Fields are ids, codes and counts only; request parameters and results never appear.
 */
export type AgentLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type AgentLog = (level: AgentLogLevel, event: string, fields?: Record<string, unknown>) => void;

const ORDER: Record<AgentLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function agentLog(minimum: AgentLogLevel = 'info', write: (line: string) => void = (l) => process.stdout.write(l + '\n')): AgentLog {
  return (level, event, fields = {}) => {
    if (ORDER[level] < ORDER[minimum]) return;
    write(JSON.stringify({ at: new Date().toISOString(), level, event, ...fields }));
  };
}

/** An error's name and code, never its message (driver messages can quote the data they choked on). */
export function errorSummary(error: unknown): { error: string; code?: string } {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; code?: unknown };
    return { error: typeof e.name === 'string' ? e.name : 'Error', ...(typeof e.code === 'string' ? { code: e.code } : {}) };
  }
  return { error: typeof error };
}
