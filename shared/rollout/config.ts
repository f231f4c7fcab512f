import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseConfigFile } from '../platform/config-file';
import { packageRoot } from '../platform/package-root';

/** Which kind of work an activity does decides how it is retried (Graph throttles, the archive takes minutes). */
export const ACTIVITY_KINDS = ['graph', 'archive', 'store', 'collaboration'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

const Retry = z.object({
  firstRetrySeconds: z.number().int().positive().max(3600),
  backoff: z.number().min(1).max(10),
  maxAttempts: z.number().int().min(1).max(20),
}).strict();

const SkuList = z.array(z.string().regex(/^[A-Z0-9_]+$/, 'expected a SKU part number such as SPE_E3')).max(10);

export const RolloutConfigFile = z.object({
  $comment: z.string().optional(),
  version: z.string().min(1),
  licences: z.object({ standard: SkuList, telecom: SkuList }).strict(),
  training: z.object({
    /** Share of the service's assignments completed for the step to be done (0..1). */
    completionThreshold: z.number().min(0).max(1),
    deadlineDays: z.number().int().positive().max(365),
    reminderEveryDays: z.number().int().positive().max(60),
  }).strict(),
  telecom: z.object({ confirmWithinDays: z.number().int().positive().max(90), reminderEveryDays: z.number().int().positive().max(30) }).strict(),
  /** A `joined` person is onboarded when hired this recently (Entra's employeeHireDate); the rest arrive with their service's rollout. */
  onboarding: z.object({ recentHireDays: z.number().int().positive().max(365) }).strict(),
  offboarding: z.object({ completenessRecheckHours: z.number().positive().max(168) }).strict(),
  retries: z.object({ graph: Retry, archive: Retry, store: Retry, collaboration: Retry }).strict(),
}).strict();
export type RolloutConfig = z.infer<typeof RolloutConfigFile>;

export function parseRolloutConfig(text: string, name: string): RolloutConfig {
  return parseConfigFile(RolloutConfigFile, text, `rollout configuration ${name}`);
}

export function loadRolloutConfig(file: string): RolloutConfig {
  const full = path.isAbsolute(file) ? file : path.join(packageRoot(), file);
  return parseRolloutConfig(readFileSync(full, 'utf8'), file);
}
