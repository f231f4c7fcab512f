import { AgentHeartbeat } from './contract';
import type { HeartbeatSource } from './ports';

/**
 * Whether an on-premises agent is online, from the heartbeat blobs the agents rewrite every few
 * seconds (one per agent: any fresh, connected one will do). Read at most once per `cacheMs` per
 * instance, so a burst of staff requests costs one listing.
 */
export type AgentState = { online: true; heartbeat?: AgentHeartbeat } | { online: false; reason: 'no_heartbeat' | 'stale' | 'disconnected'; heartbeat?: AgentHeartbeat };

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
    let raw: unknown[];
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

/** Online when any agent's heartbeat is fresh and connected; otherwise why, from the latest one. */
export function judge(raw: unknown[], now: number, maxAgeMs: number): AgentState {
  const beats = raw.flatMap((r) => {
    const parsed = AgentHeartbeat.safeParse(r);
    return parsed.success ? [parsed.data] : [];
  });
  const fresh = (h: AgentHeartbeat) => now - Date.parse(h.at) <= maxAgeMs;
  const live = beats.find((h) => h.connected && fresh(h));
  if (live) return { online: true, heartbeat: live };
  const latest = beats.sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
  if (!latest) return { online: false, reason: 'no_heartbeat' };
  return { online: false, reason: fresh(latest) ? 'disconnected' : 'stale', heartbeat: latest };
}
