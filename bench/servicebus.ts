/**
 * npm run bench:servicebus — sends, receives and completes 10,000 messages of 1 KB through the
 * official SDK against an emulator started in this process, and prints messages/s per phase.
 * Last line: {"send_per_s":..,"receive_complete_per_s":..}
 */
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { startServiceBusEmulator } from '../dev/servicebus-emulator';

const TOTAL = 10_000;
const BODY = Buffer.alloc(1024, 'x');

async function main(): Promise<void> {
  const emulator = await startServiceBusEmulator({
    config: { UserConfig: { Namespaces: [{ Name: 'bench', Queues: [{ Name: 'bench', Properties: { LockDuration: 'PT1M', MaxDeliveryCount: 10 } }] }] } },
  });
  const client = new ServiceBusClient(emulator.connectionString);
  const sender = client.createSender('bench');
  await sender.sendMessages({ body: 'warm-up' });
  const warm = client.createReceiver('bench', { receiveMode: 'receiveAndDelete' });
  await warm.receiveMessages(1, { maxWaitTimeInMs: 2000 });
  await warm.close();

  // Send: batches as full as the 256 KB limit allows, several in flight.
  const sendStart = performance.now();
  const batches: Promise<void>[] = [];
  let batch = await sender.createMessageBatch();
  for (let i = 0; i < TOTAL; i++) {
    const message: ServiceBusMessage = { body: BODY, messageId: `bench-${i}` };
    if (!batch.tryAddMessage(message)) {
      batches.push(sender.sendMessages(batch));
      batch = await sender.createMessageBatch();
      batch.tryAddMessage(message);
    }
  }
  batches.push(sender.sendMessages(batch));
  await Promise.all(batches);
  const sendMs = performance.now() - sendStart;
  const counted = emulator.counts('bench').active;
  if (counted !== TOTAL) throw new Error(`expected ${TOTAL} messages in the queue, found ${counted}`);
  const sendPerS = Math.round(TOTAL / (sendMs / 1000));
  console.log(`send: ${TOTAL} messages of 1 KB in ${sendMs.toFixed(0)} ms = ${sendPerS} msg/s`);

  // Receive + complete: peek-lock, the way a queue trigger processes messages.
  const receiver = client.createReceiver('bench', { maxAutoLockRenewalDurationInMs: 0 });
  let completed = 0;
  const receiveStart = performance.now();
  await new Promise<void>((resolve, reject) => {
    receiver.subscribe(
      {
        processMessage: async (message) => {
          await receiver.completeMessage(message);
          if (++completed === TOTAL) resolve();
        },
        processError: async (args) => reject(args.error),
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 100 },
    );
  });
  const receiveMs = performance.now() - receiveStart;
  const receivePerS = Math.round(TOTAL / (receiveMs / 1000));
  console.log(`receive+complete: ${TOTAL} messages in ${receiveMs.toFixed(0)} ms = ${receivePerS} msg/s`);
  const left = emulator.counts('bench');
  if (left.active !== 0) throw new Error(`expected an empty queue, found ${left.active}`);

  await receiver.close();
  await sender.close();
  await client.close();
  await emulator.stop();
  console.log(JSON.stringify({ send_per_s: sendPerS, receive_complete_per_s: receivePerS }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
