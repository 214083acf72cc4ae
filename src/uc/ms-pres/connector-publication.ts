/**
 * The connector's own presence publication for one knowledge worker on a Lync / SfB pool
 * (push on-call status, ACW and legal-guard notes; protocol-notes sections 2.2–2.5):
 *
 * - a `state` category (xsi:type `phoneState` by default, `manual="false"`) on an instance the
 *   connector owns (`connectorStateInstance`), in both aggregation containers 2 and 3, with
 *   `expireType="time"`, so the KW's own manual state (0x20000000) is never overwritten and the
 *   Front End's aggregation restores it when the publication is cleared or expires;
 * - when the pushed presence has a note (`presence-acw-note`...), a `note` category on a second
 *   connector-owned instance, also in containers 2 and 3;
 * - restore = clear every instance published, with the current versions and `expires="0"`.
 *
 * Versions: every (category, container) starts at 0 and is incremented after each accepted SERVICE
 * (the server increments on success); a 409 fault corrects them (`correctVersionsFromFault`).
 * Pure: the adapter sends the SERVICE and keeps the returned record per KW.
 */
import { err, ok } from '../../lib/result.ts';
import type { Result } from '../../lib/result.ts';
import { msPresAvailabilityRanges, msPresCodeForAvailability } from '../../presence/availability.ts';
import { connectorStateInstance, inAggregationContainers } from '../../presence/ms-pres-category-publish.ts';
import type { MsPresClearPublication, MsPresNotePublication, MsPresPublication, MsPresStatePublication } from '../../presence/ms-pres-category-publish.ts';
import { codecError } from '../../presence/presence-codec-error.ts';
import type { PresenceCodecError } from '../../presence/presence-codec-error.ts';
import type { Presence } from '../../presence/presence.ts';

/** The versions of the aggregation containers. */
export interface ContainerVersions {
  readonly 2: number;
  readonly 3: number;
}

/** What the connector has published for one KW, and the versions to send next. */
export interface ConnectorPublicationRecord {
  readonly state: ContainerVersions;
  readonly note: ContainerVersions;
  /** A state publication is in place (cleared on restore). */
  readonly statePublished: boolean;
  readonly notePublished: boolean;
}

/** Nothing published yet; versions 0 (protocol-notes section 2.4: a new instance starts at 0). */
export const emptyConnectorPublication: ConnectorPublicationRecord = Object.freeze({
  state: Object.freeze({ 2: 0, 3: 0 }),
  note: Object.freeze({ 2: 0, 3: 0 }),
  statePublished: false,
  notePublished: false,
});

/** Options of {@link connectorPublications}. */
export interface ConnectorPublicationOptions {
  /** Lifetime of the publication, seconds (`expireType="time"`). */
  readonly expires: number;
  /** `xsi:type` of the published state. Default `phoneState`. */
  readonly stateType?: string;
}

/** The state and note instances the connector owns for `uri`. */
export function connectorInstances(uri: string): { state: string; note: string } {
  return { state: connectorStateInstance(uri), note: connectorStateInstance(uri, 'connector-note') };
}

/**
 * The publications of one SERVICE: publish `presence` (state, plus note or a clear of an earlier
 * note), or with null clear whatever is published. An empty list means there is nothing to send.
 * Errors: a presence whose availability has no MS-PRES number (`unknown`).
 */
export function connectorPublications(uri: string, presence: Presence | null, current: ConnectorPublicationRecord, options: ConnectorPublicationOptions): Result<MsPresPublication[], PresenceCodecError> {
  const ids = connectorInstances(uri);
  const clearState = () => inAggregationContainers<MsPresClearPublication>({ kind: 'clear', categoryName: 'state', instance: ids.state, expireType: 'time' }, current.state);
  const clearNote = () => inAggregationContainers<MsPresClearPublication>({ kind: 'clear', categoryName: 'note', instance: ids.note, expireType: 'time' }, current.note);
  if (presence === null) {
    return ok([...(current.statePublished ? clearState() : []), ...(current.notePublished ? clearNote() : [])]);
  }
  const code = presence.availabilityCode ?? msPresCodeForAvailability(presence.availability);
  if (code === null) return err(codecError('invalid-value', `cannot publish availability '${presence.availability}' to an MS-PRES pool`));
  const range = msPresAvailabilityRanges.find((r) => code >= r.from && (r.to === null || code <= r.to));
  const activity = presence.activity && (presence.activity.token !== null || presence.activity.text !== null)
    ? {
      token: presence.activity.token,
      custom: presence.activity.text,
      ...(presence.activity.token !== null && range && range.availability !== 'unknown' ? { minAvailability: range.from, maxAvailability: range.to ?? code } : {}),
    }
    : null;
  const out: MsPresPublication[] = inAggregationContainers<MsPresStatePublication>({
    kind: 'state', instance: ids.state, expireType: 'time', expires: options.expires,
    stateType: options.stateType ?? 'phoneState', manual: false, availability: code, activity,
  }, current.state);
  if (presence.note !== null && presence.note.text !== '') {
    out.push(...inAggregationContainers<MsPresNotePublication>({
      kind: 'note', instance: ids.note, expireType: 'time', expires: options.expires, text: presence.note.text, noteType: presence.note.kind === 'oof' ? 'OOF' : 'personal',
    }, current.note));
  } else if (current.notePublished) {
    out.push(...clearNote());
  }
  return ok(out);
}

/** The record after the server accepted `sent`: each sent (category, container) version + 1. */
export function acceptConnectorPublications(current: ConnectorPublicationRecord, sent: readonly MsPresPublication[]): ConnectorPublicationRecord {
  const state: { 2: number; 3: number } = { ...current.state };
  const note: { 2: number; 3: number } = { ...current.note };
  let statePublished = current.statePublished;
  let notePublished = current.notePublished;
  for (const p of sent) {
    const name = p.kind === 'clear' ? p.categoryName : p.kind;
    const versions = name === 'state' ? state : name === 'note' ? note : undefined;
    if (versions === undefined || (p.container !== 2 && p.container !== 3)) continue;
    versions[p.container] = p.version + 1;
    if (name === 'state') statePublished = p.kind !== 'clear';
    else notePublished = p.kind !== 'clear';
  }
  return { state, note, statePublished, notePublished };
}
