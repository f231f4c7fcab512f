/**
 * npm run bench:search-emulator — indexes generated messages (100,000 by default,
 * BENCH_DOCUMENTS) in batches of 1,000 through the official SDK into a Search emulator started in
 * this process, then runs a fixed set of queries 5 times each and prints the median and max.
 * The words are drawn uniformly from 60 words of union vocabulary, so a common word is in about
 * 90% of the messages: the emulator's worst case (docs/decisions/0019-search-emulator.md).
 * rare_facets_over_rare: a rare word with facets (one a collection) over the same word alone, side
 * by side in this run: near 1 when facets cost what the hits cost, large when they scan the index.
 * Last line: {"documents":..,"index_s":..,"batch_median_ms":..,"query_median_ms":{..},"query_max_ms":..,"rare_facets_over_rare":..}
 */
import { AzureKeyCredential, SearchClient, SearchIndexClient, type SearchOptions } from '@azure/search-documents';
import { startSearchEmulator } from '../dev/search-emulator';

interface Message {
  id: string;
  mailboxId: string;
  subject: string;
  body: string;
  participants: string[];
  folder: string;
  sentAt: Date;
  hasAttachments: boolean;
}

const WORDS = (
  'réunion assemblée convention collective grief employeur formation information paie horaire travail syndicat négociation comité ' +
  'exécutif direction service professionnel dossier rapport budget vacances congé maladie assurance salaire échelle retraite mutation ' +
  'poste affichage concours évaluation plainte harcèlement santé sécurité télétravail bureau équipe projet document signature entente ' +
  'lettre avis décision arbitrage audience témoin preuve article clause annexe'
).split(' ');

let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const word = () => WORDS[Math.floor(random() * WORDS.length)]!;
const words = (n: number) => Array.from({ length: n }, word).join(' ');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_DOCUMENTS ?? 100_000);
  const emulator = await startSearchEmulator();
  const credential = new AzureKeyCredential(emulator.apiKey);
  const options = { allowInsecureConnection: true };
  await new SearchIndexClient(emulator.endpoint, credential, options).createIndex({
    name: 'bench',
    fields: [
      { name: 'id', type: 'Edm.String', key: true, filterable: true },
      { name: 'mailboxId', type: 'Edm.String', filterable: true, facetable: true },
      { name: 'subject', type: 'Edm.String', searchable: true, analyzerName: 'fr.lucene' },
      { name: 'body', type: 'Edm.String', searchable: true, analyzerName: 'fr.lucene' },
      { name: 'participants', type: 'Collection(Edm.String)', searchable: true, filterable: true, facetable: true },
      { name: 'folder', type: 'Edm.String', filterable: true, facetable: true },
      { name: 'sentAt', type: 'Edm.DateTimeOffset', filterable: true, sortable: true, facetable: true },
      { name: 'hasAttachments', type: 'Edm.Boolean', filterable: true, facetable: true },
    ],
  });
  const client = new SearchClient<Message>(emulator.endpoint, 'bench', credential, options);

  const started = performance.now();
  const batches: number[] = [];
  for (let b = 0; b < Math.ceil(total / 1000); b++) {
    const docs = Array.from({ length: Math.min(1000, total - b * 1000) }, (_, i): Message => {
      const n = b * 1000 + i;
      return {
        id: `m${n}`,
        mailboxId: `mb${n % 300}`,
        subject: words(6),
        body: words(120) + (n % 5000 === 0 ? ' zéphyrin' : ''),
        participants: [`p${n % 500}@spgq.qc.ca`, `p${(n * 7) % 500}@spgq.qc.ca`],
        folder: ['Inbox', 'Sent', 'Archive'][n % 3]!,
        sentAt: new Date(Date.UTC(2018 + (n % 8), n % 12, 1 + (n % 28))),
        hasAttachments: n % 4 === 0,
      };
    });
    const t = performance.now();
    await client.uploadDocuments(docs);
    batches.push(performance.now() - t);
  }
  const indexSeconds = (performance.now() - started) / 1000;
  process.stdout.write(`indexed ${total} in ${indexSeconds.toFixed(1)} s; 1,000-document batch median ${median(batches).toFixed(0)} ms\n`);

  const queries: [string, string, SearchOptions<Message>][] = [
    ['common_word', 'réunion', {}],
    ['rare_word', 'zéphyrin', {}],
    // A few hits with a collection facet (the archive page's participants): must cost about what the hits cost, not the index.
    ['rare_word_facets', 'zéphyrin', { facets: ['participants,count:20', 'folder', 'mailboxId,count:1000'] }],
    ['all_two_words', 'grief arbitrage', { searchMode: 'all' }],
    ['phrase', '"convention collective"', {}],
    ['prefix', 'négo*', {}],
    ['mailbox_facets_highlight', 'réunion', { filter: "mailboxId eq 'mb7'", facets: ['folder', 'sentAt,interval:year', 'participants,count:5'], highlightFields: 'subject,body' }],
    ['date_sort_facets', 'réunion', { orderBy: ['sentAt desc'], facets: ['folder', 'sentAt,interval:year', 'hasAttachments'] }],
    ['match_all_any_filter', '*', { filter: "participants/any(p: p eq 'p7@spgq.qc.ca')" }],
  ];
  const medians: Record<string, number> = {};
  let worst = 0;
  for (const [label, text, queryOptions] of queries) {
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const result = await client.search(text, { includeTotalCount: true, top: 25, ...queryOptions });
      for await (const hit of result.results) void hit;
      times.push(performance.now() - t);
      count = result.count ?? 0;
    }
    medians[label] = Math.round(median(times));
    worst = Math.max(worst, ...times);
    process.stdout.write(`${label}: ${count} matches, median ${medians[label]} ms, max ${Math.round(Math.max(...times))} ms\n`);
  }
  await emulator.stop();
  process.stdout.write(
    `${JSON.stringify({ documents: total, index_s: Number(indexSeconds.toFixed(1)), batch_median_ms: Math.round(median(batches)), query_median_ms: medians, query_max_ms: Math.round(worst), rare_facets_over_rare: Number((medians.rare_word_facets! / Math.max(1, medians.rare_word!)).toFixed(1)) })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:search-emulator failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
