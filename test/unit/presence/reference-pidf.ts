/**
 * presenceFromPidf as it was before its loops replaced flatMap and spreads, kept as the oracle the
 * current one must agree with on every document (pidf-normalize-oracle.test.ts).
 */
import { deriveRpidAvailability } from '../../../src/presence/availability.ts';
import type { PidfDocument, RpidActivities } from '../../../src/presence/pidf.ts';
import type { Presence, PresenceActivity } from '../../../src/presence/presence.ts';
import { awayRpidActivities, brbOtherTexts, busyRpidActivities, dndOtherTexts } from '../../../src/presence/rpid-activities.ts';

const isClassMarker = (t: string) => dndOtherTexts.has(t.toLowerCase()) || brbOtherTexts.has(t.toLowerCase());

export function referencePresenceFromPidf(doc: PidfDocument, observedAt: number): Presence {
  const basic = doc.tuples.some((t) => t.basic === 'open') ? 'open' : doc.tuples.some((t) => t.basic === 'closed') ? 'closed' : null;

  type Source = { acts: RpidActivities; id: string | null; timestamp: number | null };
  const sources: Source[] = [];
  for (const p of doc.persons) if (p.activities) sources.push({ acts: p.activities, id: p.id, timestamp: p.timestamp });
  for (const t of doc.tuples) if (t.activities) sources.push({ acts: t.activities, id: t.id, timestamp: t.timestamp });
  if (doc.activities) sources.push({ acts: doc.activities, id: null, timestamp: null });

  const allActivities = sources.flatMap((s) => s.acts.activities);
  const allOther = sources.flatMap((s) => s.acts.other);
  const inputs = [...doc.persons.map((p) => p.userInput), ...doc.devices.map((d) => d.userInput), ...doc.tuples.map((t) => t.userInput)];
  const idle = inputs.some((u) => u?.value === 'idle');
  const derived = deriveRpidAvailability({ basic, activities: allActivities, otherActivities: allOther, idle });

  // The token shown is the first activity of the winning class, else the first activity at all.
  const winning = derived.availability.startsWith('busy') || derived.availability === 'do-not-disturb' ? busyRpidActivities
    : derived.availability === 'away' || derived.availability === 'be-right-back' ? awayRpidActivities : undefined;
  const token = (winning && allActivities.find((a) => winning.has(a))) ?? allActivities[0] ?? null;
  const chosen = sources.find((s) => token !== null && s.acts.activities.includes(token)) ?? sources[0];
  const text = allOther.find((t) => !isClassMarker(t)) ?? allOther[0] ?? chosen?.acts.notes[0]?.text ?? null;
  const activity: PresenceActivity | null = basic === 'closed' || (token === null && text === null) ? null : { token, text };

  const noteSource = [...doc.persons.flatMap((p) => p.notes), ...doc.notes, ...doc.tuples.flatMap((t) => t.notes)][0];
  // The activities came from a tuple (Eyebeam style) or a person; that element is the instance.
  const fromTuple = chosen === undefined ? undefined : doc.tuples.find((t) => t.activities === chosen.acts);
  const person = fromTuple ? undefined : doc.persons.find((p) => p.activities === chosen?.acts) ?? doc.persons[0];
  const tupleTimes = doc.tuples.map((t) => t.timestamp).filter((t): t is number => t !== null);
  const publishedAt = fromTuple?.timestamp ?? person?.timestamp ?? (tupleTimes.length > 0 ? Math.max(...tupleTimes) : null);
  const lastActive = inputs.map((u) => u?.lastInput ?? null).find((t) => t !== null) ?? null;

  return {
    uri: doc.entity,
    availability: derived.availability,
    availabilityCode: derived.code,
    activity,
    note: noteSource ? { text: noteSource.text, kind: 'other', lang: noteSource.lang } : null,
    device: null,
    source: 'pidf',
    version: { publishedAt, sequence: null, instance: fromTuple?.id ?? person?.id ?? doc.tuples[0]?.id ?? null },
    observedAt,
    basic,
    lastActive,
  };
}
