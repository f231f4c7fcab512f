// Smoke test after a deployment: GET <base>/api/health until it answers 200 (the app answers 503
// while its start-up residency check is still being verified), or fail after the deadline.
// Usage: node infra/scripts/smoke-health.mjs https://<app-host> [deadline-seconds=600]
const [base, deadlineArg] = process.argv.slice(2);
if (!base) {
  console.error('usage: smoke-health.mjs <base-url> [deadline-seconds]');
  process.exit(2);
}
const deadline = Date.now() + Number(deadlineArg ?? 600) * 1000;
const url = new URL('/api/health', base).toString();
let last = '';
while (Date.now() < deadline) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    const body = await res.text();
    if (res.status === 200) {
      console.log(`health 200: ${body.slice(0, 500)}`);
      process.exit(0);
    }
    last = `${res.status} ${body.slice(0, 300)}`;
  } catch (e) {
    last = e instanceof Error ? e.message : String(e);
  }
  console.log(`health not ready (${last}); retrying`);
  await new Promise((r) => setTimeout(r, 15_000));
}
console.error(`health never answered 200: ${last}`);
process.exit(1);
