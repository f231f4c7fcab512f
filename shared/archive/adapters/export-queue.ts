import type { ServiceBusClient } from '@azure/service-bus';
import type { ExportQueue } from '../ports';
import type { ExportJob } from '../records/export-request';
import type { HoldJob } from '../records/legal-hold';
import { traceProperties } from '../../platform/tracing';

/** Service Bus adapter of ExportQueue: one message per export attempt (or legal hold to apply) on the export queue. */
export class ServiceBusExportQueue implements ExportQueue {
  constructor(private readonly client: ServiceBusClient, private readonly queue: string) {}

  async enqueue(job: ExportJob | HoldJob, options: { messageId: string; notBefore?: Date }): Promise<void> {
    const sender = this.client.createSender(this.queue);
    try {
      // traceparent: the export's worker continues the request's trace.
      const message = { body: job, messageId: options.messageId, contentType: 'application/json', applicationProperties: traceProperties() };
      if (options.notBefore) await sender.scheduleMessages(message, options.notBefore);
      else await sender.sendMessages(message);
    } finally {
      await sender.close();
    }
  }
}
