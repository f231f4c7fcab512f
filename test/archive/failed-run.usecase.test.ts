import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { STAFF, addStandardMailbox, far, makeWorld } from '../fakes/capture-world';

/**
 * A run whose storage fails in one folder ends as a whole: when archive() rejects (and the queue
 * worker releases the mailbox's lock), no other folder is still storing or saving checkpoints, so
 * the next run cannot overlap it and an older checkpoint cannot overwrite a newer one.
 */
const mbx = STAFF.mailboxId;

describe('a failed run', () => {
  it('stops every folder before it reports the failure', async () => {
    const w = makeWorld({ messageConcurrency: 2 });
    addStandardMailbox(w.mail);
    const store = w.content.store.bind(w.content);
    let calls = 0;
    // One message of the sent folder cannot be stored (every attempt); the other folders go on
    // meanwhile. Every call yields, so the folders' work interleaves as against real storage.
    w.content.store = async (mime, protection) => {
      calls++;
      const chunks: Buffer[] = [];
      for await (const chunk of mime) chunks.push(Buffer.from(chunk as Buffer));
      await new Promise((resolve) => setTimeout(resolve, 2));
      const raw = Buffer.concat(chunks);
      if (raw.toString('utf8').includes('Dossier sent n° 1')) throw Object.assign(new Error('storage unavailable'), { statusCode: 503 });
      return store(Readable.from([raw]), protection);
    };
    await expect(w.archiver.archive(mbx, far())).rejects.toThrow('storage unavailable');
    const atFailure = { checkpoints: w.state.checkpointSaves.length, entries: w.index.entries(mbx).length, stores: calls };
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect({ checkpoints: w.state.checkpointSaves.length, entries: w.index.entries(mbx).length, stores: calls }).toEqual(atFailure);
  });
});
