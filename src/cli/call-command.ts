/**
 * `ucc call --to ROUTING_POINT [--from TRUNK] [--userdata k=v ...] [--host HOST] [--port PORT]`:
 * places an inbound customer call on a running T-Server — a RequestMakeCall from a Trunk DN (the
 * customer side) to a routing point or queue, with UserData — and prints its ConnID. It
 * authenticates as the Application `--app` (default `Customers`) with the password in the
 * environment variable UCC_TLIB_PASSWORD (never on the command line, where `ps` shows it).
 */
import { TlibClient } from '../tlib/client/tlib-client.ts';
import { CtiError } from '../tlib/cti-error.ts';
import type { KvPair } from '../tlib/index.ts';
import { DEFAULT_TLIB_PORT } from './tserver-command.ts';

const USAGE = 'Usage: UCC_TLIB_PASSWORD=... ucc call --to ROUTING_POINT [--from TRUNK_DN (default: trunk)] [--userdata key=value ...] [--host HOST] [--port PORT] [--app APPLICATION (default: Customers)]\n';

/** The T-Lib Application `ucc call` and `ucc demo` authenticate as unless told otherwise. */
export const DEFAULT_CALLER_APPLICATION = 'Customers';

export async function run(args: string[]): Promise<number> {
  let to: string | undefined;
  let from = 'trunk';
  let host = '127.0.0.1';
  let port = DEFAULT_TLIB_PORT;
  let application = DEFAULT_CALLER_APPLICATION;
  const userData: KvPair[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (a === '--userdata') {
      // Every following key=value up to the next option.
      let n = 0;
      while (args[i + 1] !== undefined && !String(args[i + 1]).startsWith('--')) {
        const kv = String(args[++i]);
        const eq = kv.indexOf('=');
        if (eq <= 0) {
          process.stderr.write(`ucc call: --userdata expects key=value, got '${kv}'\n`);
          return 2;
        }
        userData.push([kv.slice(0, eq), kv.slice(eq + 1)]);
        n++;
      }
      if (n === 0) {
        process.stderr.write(USAGE);
        return 2;
      }
      continue;
    }
    const v = args[++i];
    if (v === undefined) {
      process.stderr.write(USAGE);
      return 2;
    }
    if (a === '--to') to = v;
    else if (a === '--from') from = v;
    else if (a === '--host') host = v;
    else if (a === '--port') port = Number(v);
    else if (a === '--app') application = v;
    else {
      process.stderr.write(USAGE);
      return 2;
    }
  }
  if (!to || !Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write(USAGE);
    return 2;
  }
  const password = process.env.UCC_TLIB_PASSWORD;
  if (password === undefined || password === '') {
    process.stderr.write(`ucc call: set UCC_TLIB_PASSWORD to the T-Lib password of Application ${application}\n`);
    return 2;
  }
  const client = new TlibClient({ target: { kind: 'tcp', host, port }, reconnect: false, connectTimeoutMs: 5000, requestTimeoutMs: 5000, credentials: { application, password } });
  try {
    await client.connect();
    const reply = await client.request({ message: 'RequestMakeCall', ThisDN: from, OtherDN: to, ...(userData.length ? { UserData: userData } : {}) });
    const connId = (reply as { ConnID?: string }).ConnID;
    process.stdout.write(`call ${connId ?? '?'} from ${from} to ${to}\n`);
    return 0;
  } catch (e) {
    if (e instanceof CtiError && e.code === 59 && e.event.ThisDN === from) process.stderr.write(`ucc call: no DN '${from}' on the T-Server: pass --from <Trunk DN>\n`);
    else process.stderr.write(`ucc call: ${(e as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}
