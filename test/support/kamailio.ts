/**
 * Kamailio 5.6 as a real presence server / registrar / proxy for integration tests.
 * Each instance gets its own directory, SQLite presence DB and ports, and is stopped by its PID.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { requireBinary, startPeer, waitFor, type PeerProcess } from './peer-process.ts';
import { makeSelfSignedCert } from './self-signed-cert.ts';

const peerDir = fileURLToPath(new URL('../peers/kamailio/', import.meta.url));
const schemaDir = '/usr/share/kamailio/db_sqlite';

export interface KamailioPeer {
  readonly host: '127.0.0.1';
  /** UDP and TCP port. */
  readonly port: number;
  /** TLS port when started with `tls: true`. */
  readonly tlsPort?: number;
  /** The self-signed certificate Kamailio serves on TLS (PEM paths). */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly process: PeerProcess;
  /** Every user's password (the cfg authenticates REGISTER with it). */
  readonly password: 'secret';
  log(): string;
  stop(): Promise<void>;
}

/** Sends one OPTIONS over UDP and resolves true on any 200 answer within 300 ms. */
async function answersOptions(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (v: boolean): void => {
      clearTimeout(t);
      s.close();
      resolve(v);
    };
    const t = setTimeout(() => done(false), 300);
    s.on('message', (m) => done(m.toString('latin1').startsWith('SIP/2.0 200')));
    s.on('error', () => done(false));
    s.bind(0, '127.0.0.1', () => {
      const lp = s.address().port;
      const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
      const msg =
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=${branch};rport\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p${lp}\r\nTo: <sip:127.0.0.1:${port}>\r\n` +
        `Call-ID: probe-${branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      s.send(msg, port, '127.0.0.1');
    });
  });
}

export async function startKamailio(options: { tls?: boolean } = {}): Promise<KamailioPeer> {
  requireBinary('kamailio', 'kamailio');
  requireBinary('sqlite3', 'sqlite3');
  if (!readdirSync('/usr/lib/x86_64-linux-gnu/kamailio/modules/').includes('presence.so')) {
    throw new Error("Kamailio's presence module is missing: install kamailio-presence-modules (bash .ci/run does)");
  }
  const dir = mkdtempSync(join(tmpdir(), 'ucc-kamailio-'));
  // WAL (persistent in the file) lets readers and the one writer proceed together.
  const schema = 'PRAGMA journal_mode=WAL;\n' + readFileSync(join(schemaDir, 'standard-create.sql'), 'utf8') + readFileSync(join(schemaDir, 'presence-create.sql'), 'utf8');
  const db = spawnSync('sqlite3', [join(dir, 'presence.sqlite')], { input: schema, encoding: 'utf8' });
  if (db.status !== 0) throw new Error(`creating the Kamailio presence DB failed: ${db.stderr}`);

  const port = await freePort(options.tls ? 2 : 1);
  const defines = ['-A', `SIP_PORT=${port}`, '-A', `DBURL="sqlite:///${dir}/presence.sqlite"`, '-A', `CTLSOCK="unix:${dir}/kamailio_ctl"`];
  let tls: { certFile: string; keyFile: string } | undefined;
  if (options.tls) {
    tls = makeSelfSignedCert(dir);
    writeFileSync(join(dir, 'tls.cfg'), readFileSync(join(peerDir, 'tls.cfg.template'), 'utf8').replaceAll('CERT_DIR', dir));
    defines.push('-A', 'WITH_TLS', '-A', `TLS_PORT=${port + 1}`, '-A', `TLSCFG="${dir}/tls.cfg"`);
  }
  const proc = startPeer('kamailio', 'kamailio', ['-DD', '-E', ...defines, '-f', join(peerDir, 'kamailio-presence.cfg'), '-w', dir, '-P', join(dir, 'kamailio.pid'), '-m', '64', '-M', '8'], { cwd: dir });
  let exitedEarly = false;
  void proc.exited.then(() => (exitedEarly = true));
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('Kamailio to answer OPTIONS', async () => {
      if (exitedEarly) throw new Error(`Kamailio exited during start-up:\n${proc.output().slice(-3000)}`);
      return answersOptions(port);
    }, 15_000, () => proc.output().slice(-3000));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    host: '127.0.0.1',
    port,
    ...(options.tls ? { tlsPort: port + 1, certFile: tls?.certFile, keyFile: tls?.keyFile } : {}),
    process: proc,
    password: 'secret',
    log: () => proc.output(),
    stop,
  };
}
