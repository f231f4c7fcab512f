import { AgentHeartbeat } from './protocol';

/**
 * Whether the on-premises agent is online, from the heartbeat blob it rewrites every few seconds.
 * Read at most once per `cacheMs` per instance, so a burst of staff requests costs one blob read.
 */
export type AgentState = { online: true; heartbeat?: AgentHeartbeat } | { online: false; reason: 'no_heartbeat' | 'stale' | 'disconnected'; heartbeat?: AgentHeartbeat };

export interface HeartbeatSource {
  /** The raw heartbeat JSON, or undefined when there is none. */
  read(): Promise<unknown>;
}

export class AgentStatus {
  private cached: { at: number; state: AgentState } | undefined;

  constructor(
    private readonly source: HeartbeatSource,
    private readonly maxAgeMs: number,
    private readonly cacheMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  async state(): Promise<AgentState> {
    const now = this.now();
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.state;
    let raw: unknown;
    try {
      raw = await this.source.read();
    } catch {
      // Storage hiccup, not news about the agent: keep the last verdict (or let the call try,
      // bounded by the wait) rather than tell staff the agent is offline.
      return this.cached?.state ?? { online: true };
    }
    const state = judge(raw, now, this.maxAgeMs);
    this.cached = { at: now, state };
    return state;
  }
}

export function judge(raw: unknown, now: number, maxAgeMs: number): AgentState {
  const parsed = AgentHeartbeat.safeParse(raw);
  if (!parsed.success) return { online: false, reason: 'no_heartbeat' };
  const heartbeat = parsed.data;
  if (!heartbeat.connected) return { online: false, reason: 'disconnected', heartbeat };
  if (now - Date.parse(heartbeat.at) > maxAgeMs) return { online: false, reason: 'stale', heartbeat };
  return { online: true, heartbeat };
}
