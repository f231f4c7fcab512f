/**
 * Console output shaped like the Functions host's: a UTC timestamp in brackets, then the message.
 * Tests pass their own sink to read what the host says.
 */
export type LogSink = (line: string) => void;

export interface HostLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createHostLog(sink: LogSink = (line) => process.stdout.write(line + '\n')): HostLog {
  const write = (message: string) => sink(`[${new Date().toISOString()}] ${message}`);
  return { info: write, warn: write, error: write };
}

/** An error's first line and stack, for the host log; never the objects an app attached to it. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
