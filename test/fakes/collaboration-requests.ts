import { RequestConflict, type ProjectRequest, type RequestNotification, type RequestNotifier, type RequestNotifyOutcome, type RequestStore } from '../../shared/collaboration/request-ports';

/** In-memory fakes of the project space request ports, for use-case tests. */

export class MemoryRequests implements RequestStore {
  readonly docs = new Map<string, { request: ProjectRequest; etag: number }>();
  private seq = 0;
  /** Runs before each replace: a test changes the document meanwhile (a decision racing the expiry). */
  beforeReplace: ((r: ProjectRequest) => void) | undefined;

  async get(id: string) {
    const d = this.docs.get(id);
    return d ? { request: structuredClone(d.request), etag: String(d.etag) } : undefined;
  }

  async save(request: ProjectRequest, etag?: string) {
    const held = this.docs.get(request.id);
    if (etag === undefined) {
      if (held) throw new RequestConflict(request.id);
    } else {
      const hook = this.beforeReplace;
      this.beforeReplace = undefined;
      hook?.(request);
      if (!this.docs.get(request.id) || String(this.docs.get(request.id)!.etag) !== etag) throw new RequestConflict(request.id);
    }
    const next = ++this.seq;
    this.docs.set(request.id, { request: structuredClone(request), etag: next });
    return String(next);
  }

  /** Changes a stored request behind the use case's back (another instance's write). */
  tamper(id: string, change: (r: ProjectRequest) => ProjectRequest) {
    const d = this.docs.get(id)!;
    this.docs.set(id, { request: change(structuredClone(d.request)), etag: ++this.seq });
  }

  async byRequester(personId: string) {
    return [...this.docs.values()].filter((d) => d.request.requesterId === personId).map((d) => structuredClone(d.request));
  }

  async pendingFor(personId: string) {
    return [...this.docs.values()].filter((d) => d.request.status === 'pending' && (d.request.approverIds.includes(personId) || (d.request.escalatedTo ?? []).includes(personId))).map((d) => structuredClone(d.request));
  }

  async approved() {
    return [...this.docs.values()].filter((d) => d.request.status === 'approved' || d.request.status === 'provisioned').map((d) => structuredClone(d.request));
  }
}

export class RecordingNotifier implements RequestNotifier {
  readonly sent: RequestNotification[] = [];
  /** Recipients whose notices fail. */
  readonly failing = new Set<string>();

  async send(n: RequestNotification): Promise<RequestNotifyOutcome> {
    if (this.failing.has(n.recipientId)) return { ok: false, code: '500:unknown' };
    this.sent.push(n);
    return { ok: true, channel: 'teams' };
  }
}
