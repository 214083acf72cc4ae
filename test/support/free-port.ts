/** Finds a loopback port that is free on both UDP and TCP (SIP peers listen on both). */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

async function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port in 20000-29999 free on UDP and TCP; `count` consecutive ports when asked. */
export async function freePort(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (10000 - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = (await tcpFree(p)) && (await udpFree(p));
    if (ok) return base;
  }
  throw new Error('no free loopback port found');
}
