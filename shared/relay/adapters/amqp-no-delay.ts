/**
 * Turns off Nagle's algorithm on the AMQP connections the Service Bus SDK opens in this process.
 * The SDK (through rhea) leaves it on for most links, so a small frame written while another is
 * unacknowledged waits for the peer's delayed ACK: 40 ms stalls on request/reply traffic, which is
 * exactly the relay's. rhea reads `tcp_no_delay` from its default container's options when a
 * connection starts; setting it there reaches every SDK connection made afterwards. Relies on
 * rhea internals: rhea is pinned (3.0.5) and test/relay covers the latency in bench:relay.
 */
let applied = false;

export function disableNagleForServiceBus(): void {
  if (applied) return;
  applied = true;
  const rhea = require('rhea') as { options?: Record<string, unknown> };
  if (rhea.options) rhea.options.tcp_no_delay = true;
}
