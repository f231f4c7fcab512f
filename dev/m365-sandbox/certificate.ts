import { generate } from 'selfsigned';

export interface SandboxCertificate {
  certPem: string;
  keyPem: string;
}

/**
 * A fresh self-signed certificate for 127.0.0.1 and localhost. The Graph client only sends its token
 * over HTTPS, so the sandbox must speak TLS; the app trusts this one certificate in local mode only.
 */
export async function generateSandboxCertificate(): Promise<SandboxCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 7 * 24 * 3600_000);
  const pems = await generate([{ name: 'commonName', value: 'm365-sandbox.localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}
