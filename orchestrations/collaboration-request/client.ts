import * as df from 'durable-functions';
import { COLLABORATION_REQUEST, DECISION_EVENT, requestInstanceId, type RequestOrchestrationInput } from '.';

/** The durable client binding the request endpoints need. */
export const requestClientInput = df.input.durableClient();

type ClientContext = Parameters<typeof df.getClient>[0];

/** Starts a submitted request's orchestration (one per request: its id names the instance). */
export async function startRequestOrchestration(context: ClientContext, input: RequestOrchestrationInput): Promise<void> {
  await df.getClient(context).startNew(COLLABORATION_REQUEST, { instanceId: requestInstanceId(input.requestId), input });
}

/** Tells a waiting request's orchestration that a decision was recorded. */
export async function raiseRequestDecision(context: ClientContext, requestId: string, decision: { outcome: 'approve' | 'refuse'; by: string }): Promise<void> {
  await df.getClient(context).raiseEvent(requestInstanceId(requestId), DECISION_EVENT, decision);
}
