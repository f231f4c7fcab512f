/**
 * Text of a legacy document from its bytes. The relay carries bytes and a media type
 * (shared/relay/contract.ts DocumentMetadata: "text/plain", no charset field); the agent reads
 * the files as they are on disk (onprem-agent/src/connectors/legacy-archive.ts). Old documents
 * are often windows-1252 / ISO-8859-1, newer ones UTF-8. Opening the bytes as a blob without a
 * charset let the browser guess, which garbled accents (mojibake). So: a charset the media type
 * declares wins; else a BOM; else strict UTF-8; else windows-1252 (a superset of ISO-8859-1's
 * printable characters, which is what the WHATWG decoder does for "iso-8859-1" too).
 */
export function decodeText(bytes: Uint8Array, mediaType: string): string {
  const declared = /;\s*charset="?([\w.:-]+)"?/i.exec(mediaType)?.[1];
  if (declared) {
    try {
      return new TextDecoder(declared).decode(bytes);
    } catch {
      // unknown label: fall through to detection
    }
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

export function base64Bytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
