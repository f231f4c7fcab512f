import type { ZodError } from 'zod';
import { translate, type Language, type MessageKey } from './i18n';

/**
 * The one error shape every endpoint answers with:
 * `{ "error": { "code", "message", "messages", "details" } }`: message in the caller's language, and
 * `messages` in both, so a page that switches language shows an error already on screen in the new one.
 */
export interface ApiErrorBody {
  error: { code: string; message: string; messages: Record<Language, string>; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageKey: MessageKey,
    readonly params: Record<string, string | number> = {},
    readonly details?: unknown,
  ) {
    super(code);
    this.name = 'ApiError';
  }

  toBody(language: Language): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: translate(language, this.messageKey, this.params),
        messages: { 'fr-CA': translate('fr-CA', this.messageKey, this.params), en: translate('en', this.messageKey, this.params) },
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export interface FieldProblem {
  /** Where the problem is: `body.dateRange.from`, `query.page`, `params.id`. */
  field: string;
  code: string;
  message: string;
}

/**
 * Names each offending field. Zod's messages are produced in the caller's language by parsing
 * with the matching locale (see parseInput).
 */
export function fieldProblems(where: 'body' | 'query' | 'params', error: ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    code: issue.code,
    message: issue.message,
  }));
}
