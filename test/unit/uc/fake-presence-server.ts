/**
 * An RFC presence server for unit tests, on the in-memory network with a ManualClock: our own
 * notifier engine for SUBSCRIBE/NOTIFY plus a PUBLISH handler that stores one body per presentity
 * and re-notifies its watchers. Scriptable refusals (authorize, PUBLISH status) force the failure
 * paths of the adapters.
 */
import type { ManualClock } from '../../../src/lib/clock.ts';
import { SipStack } from '../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../src/sip/api/sip-user-agent.ts';
import type { SipRequest } from '../../../src/sip/message/sip-message.ts';
import type { InMemoryNetwork } from '../../../src/sip/transport/in-memory-transport.ts';
import type { RequestHandler, TransactionUser } from '../../../src/sip/transaction/transaction-user.ts';
import type { NotifyBody, SubscriptionDecision } from '../../../src/sip/ua/event-package.ts';
import type { NotifierSubscription } from '../../../src/sip/ua/notifier-subscription.ts';

/** Strips `<>` and parameters: `<sip:a@b>;tag=x` → `sip:a@b`. */
export function bareUri(value: string): string {
  const m = /<([^>]*)>/.exec(value);
  return (m ? m[1]! : value.split(';')[0]!).trim();
}

export class FakePresenceServer {
  readonly stack: SipStack;
  readonly ua: SipUserAgent;
  /** Presentity → the current body (PIDF). */
  readonly state = new Map<string, NotifyBody>();
  /** Every request the server received (method, Request-URI, headers, body). */
  readonly received: SipRequest[] = [];
  /** Decides each new SUBSCRIBE (default active). */
  authorize: (req: SipRequest) => SubscriptionDecision = () => 'active';
  /** Status for each PUBLISH (default 200). */
  publishStatus: (req: SipRequest) => number = () => 200;
  /** Status for each REGISTER (default 200, granting the asked Expires). */
  registerStatus: (req: SipRequest) => number = () => 200;
  private etag = 0;

  private constructor(stack: SipStack, ua: SipUserAgent) {
    this.stack = stack;
    this.ua = ua;
  }

  static async start(clock: ManualClock, net: InMemoryNetwork, host = '127.0.0.2', port = 5060): Promise<FakePresenceServer> {
    const stack = await SipStack.listen({ clock, transports: [net.createTransport({ protocol: 'udp', host, port })] });
    let received: SipRequest[] = [];
    let publishHandler: RequestHandler = () => {};
    let registerHandler: RequestHandler = () => {};
    // The UA owns the stack's request handler; PUBLISH and REGISTER are taken out before it sees them.
    const tu: TransactionUser = {
      sendRequest: (r, o) => stack.sendRequest(r, o),
      sendAck: (a, o) => stack.sendAck(a, o),
      sendStateless: (r, o) => stack.sendStateless(r, o),
      cancel: (i, r) => stack.cancel(i, r),
      onRequest: (h) => stack.onRequest((req, tx) => {
        received.push(req);
        if (req.method === 'PUBLISH') publishHandler(req, tx);
        else if (req.method === 'REGISTER') registerHandler(req, tx);
        else h(req, tx);
      }),
      capabilities: stack.capabilities,
      contactUri: (p, u) => stack.contactUri(p, u),
      newCallId: () => stack.newCallId(),
      newTag: () => stack.newTag(),
      newBranch: () => stack.newBranch(),
    };
    const ua = new SipUserAgent({ stack: tu, aor: `sip:presence@${host}`, clock });
    const server = new FakePresenceServer(stack, ua);
    received = server.received;
    publishHandler = (req, tx) => server.onPublish(req, tx);
    registerHandler = (req, tx) => {
      const status = server.registerStatus(req);
      const expires = req.headers.get('Expires') ?? '3600';
      tx.respond(status, status === 200 ? { headers: { Contact: `${req.headers.get('Contact') ?? ''};expires=${expires}`, Expires: expires } } : {});
    };
    ua.onSubscribe({
      name: 'presence', contentTypes: ['application/pidf+xml'], defaultExpires: 3600, minExpires: 1,
      authorize: (req) => server.authorize(req),
      currentState: (s) => server.state.get(s.resource),
    });
    return server;
  }

  /** Requests received with `method`. */
  requests(method: string): SipRequest[] {
    return this.received.filter((r) => r.method === method);
  }

  /** Live notifier subscriptions for `resource`. */
  watchers(resource?: string): NotifierSubscription[] {
    return this.ua.notifier.subscriptions(resource !== undefined ? { resource } : {});
  }

  /** Sets (or with undefined clears) a presentity's state and notifies its watchers. */
  set(resource: string, body: string | undefined): void {
    if (body === undefined) this.state.delete(resource);
    else this.state.set(resource, { body, contentType: 'application/pidf+xml' });
    for (const w of this.watchers(resource)) void w.notify();
  }

  private onPublish(req: SipRequest, tx: Parameters<RequestHandler>[1]): void {
    const status = this.publishStatus(req);
    if (status !== 200) return void tx.respond(status);
    const resource = bareUri(req.uri);
    const expires = Number(req.headers.get('Expires') ?? '3600');
    if (expires === 0) this.set(resource, undefined);
    else if (req.body.length > 0) this.set(resource, req.body.toString());
    tx.respond(200, { headers: { 'SIP-ETag': `e${++this.etag}`, Expires: String(expires) } });
  }

  async close(): Promise<void> {
    this.ua.dispose();
    await this.stack.close();
  }
}
