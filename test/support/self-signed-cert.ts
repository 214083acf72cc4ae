/** Throwaway certificates for TLS tests (the files live in a folder the test removes). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { requireBinary } from './peer-process.ts';

/** Makes a throwaway self-signed certificate for 127.0.0.1 (or another CN: an IP or a name) in `dir`. */
export function makeSelfSignedCert(dir: string, cn = '127.0.0.1'): { certFile: string; keyFile: string } {
  requireBinary('openssl', 'openssl');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const san = /^[\d.]+$/.test(cn) || cn.includes(':') ? `IP:${cn}` : `DNS:${cn}`;
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`, '-keyout', keyFile, '-out', certFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { certFile, keyFile };
}

