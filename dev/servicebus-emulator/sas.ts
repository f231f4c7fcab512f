import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Validates a Service Bus SAS token ("SharedAccessSignature sr=..&sig=..&se=..&skn=..") the way the
 * service does: known key name, HMAC-SHA256 over "<url-encoded sr>\n<se>" with the key, not expired.
 * Returns undefined when valid, else the reason (as the service words it).
 */
export function checkSasToken(token: unknown, keyName: string, key: string, now = Date.now()): string | undefined {
  if (typeof token !== 'string' || !token.startsWith('SharedAccessSignature ')) {
    return 'InvalidToken: the token is not a SharedAccessSignature token.';
  }
  const fields = new Map<string, string>();
  for (const part of token.slice('SharedAccessSignature '.length).split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), decodeURIComponent(part.slice(eq + 1)));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  const skn = fields.get('skn');
  if (!sr || !sig || !se || !skn) return 'InvalidToken: the token is missing sr, sig, se or skn.';
  if (skn !== keyName) return 'InvalidSignature: The token has an invalid signature.';
  const expected = createHmac('sha256', key).update(`${encodeURIComponent(sr)}\n${se}`).digest();
  const given = Buffer.from(sig, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return 'InvalidSignature: The token has an invalid signature.';
  }
  if (Number(se) * 1000 < now) return 'ExpiredToken: The token is expired.';
  return undefined;
}
