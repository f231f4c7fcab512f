/**
 * Delay before reconnect attempt `attempt` (0-based): exponential, capped, with "full jitter" (a
 * uniform draw between 0 and the cap), so agents that lost the same namespace at the same moment
 * do not all come back at the same moment. Never below `initialMs / 2`, so a broken network is
 * not hammered.
 */
export function reconnectDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  const floor = Math.min(initialMs / 2, ceiling);
  return Math.round(floor + random() * (ceiling - floor));
}
