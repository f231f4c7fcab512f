/**
 * What a connector may report besides a result. Anything else it throws is an unexpected error
 * (the reply says `error`, with no detail).
 */
export class NotFound extends Error {
  constructor(readonly code = 'not_found') {
    super(code);
    this.name = 'NotFound';
  }
}

export class Denied extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'Denied';
  }
}

/** The back end (database, archive share, blob store) cannot be reached right now. */
export class Unavailable extends Error {
  constructor(readonly code: string, options?: { cause?: unknown }) {
    super(code, options);
    this.name = 'Unavailable';
  }
}
