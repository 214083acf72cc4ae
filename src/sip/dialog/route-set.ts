/**
 * Dialog route sets (RFC 3261 sections 12.1.1, 12.1.2 and 12.2.1.1). The route set is the
 * Record-Route list of the request or response that created the dialog: in order for the UAS,
 * reversed for the UAC. It never changes afterwards ("the route set MUST NOT be updated" on
 * target refresh, section 12.2.1.2).
 */
import type { NameAddr, SipUri } from '../message/sip-message.ts';
import { formatNameAddr, formatUri, parseUri } from '../message/index.ts';

/** The perspective of the party building the route set. */
export type DialogRole = 'uac' | 'uas';

/**
 * Builds the route set from the Record-Route values of the dialog-creating message, in the order
 * they appear in it. RFC 3261 section 12.1.2: the UAC "MUST set the route set to the list of URIs in
 * the Record-Route header field from the response, taken in reverse order".
 */
export function routeSetFromRecordRoute(recordRoute: readonly NameAddr[], role: DialogRole): NameAddr[] {
  const copy = recordRoute.map((r) => ({ ...r, params: { ...r.params } }));
  return role === 'uac' ? copy.reverse() : copy;
}

/** True when the URI carries the `lr` parameter (RFC 3261 section 19.1.1: a loose router). */
export function isLooseRouter(uri: SipUri): boolean {
  return 'lr' in uri.params;
}

/** The Request-URI and Route header values of an in-dialog request. */
export interface RoutedTarget {
  requestUri: string;
  routes: string[];
}

/**
 * RFC 3261 section 12.2.1.1. Empty route set: Request-URI = remote target, no Route. First route
 * is a loose router: Request-URI = remote target, Route = route set. Otherwise (strict router,
 * RFC 2543): Request-URI = first route's URI with parameters not allowed in a Request-URI stripped,
 * Route = the rest of the set followed by the remote target.
 */
export function applyRouteSet(remoteTarget: string, routeSet: readonly NameAddr[]): RoutedTarget {
  const first = routeSet[0];
  if (!first) return { requestUri: remoteTarget, routes: [] };
  if (isLooseRouter(first.uri)) return { requestUri: remoteTarget, routes: routeSet.map((r) => formatNameAddr(r)) };
  // Strict: section 19.1.1 table, method/header parameters are not allowed in a Request-URI.
  const { method: _m, ...params } = first.uri.params;
  const requestUri = formatUri({ ...first.uri, params, headers: {} });
  const routes = routeSet.slice(1).map((r) => formatNameAddr(r));
  const target = parseUri(remoteTarget);
  routes.push(target.ok ? formatNameAddr({ uri: target.value, params: {} }) : `<${remoteTarget}>`);
  return { requestUri, routes };
}
