/** Reported in replies and the heartbeat; keep in step with onprem-agent/package.json. */
export const AGENT_VERSION = '0.1.0';
