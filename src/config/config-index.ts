/**
 * An in-memory index of configuration objects: the snapshot the store keeps fresh and every reader
 * (OptionResolver, T-Server, connector) consults synchronously. Stored objects are frozen copies.
 */
import { type AgentLoginObject, type ConfigObjects, type DnObject, type ObjectOf, type ObjectType, emptyObjects, objectKey, objectTypes } from './config-objects.ts';

/** Read access to configuration objects. */
export interface ConfigView {
  /** An object by its key (objectKey): `name`, `userName`, `switch/number` (lower-case number), `switch/loginCode`. */
  get<T extends ObjectType>(type: T, key: string): ObjectOf<T> | undefined;
  /** Every object of a kind, in insertion order. */
  list<T extends ObjectType>(type: T): Array<ObjectOf<T>>;
  /** A DN by number (case-insensitive), on the given switch or on the only switch that has it. */
  findDn(number: string, switchName?: string): DnObject | undefined;
  /** An Agent Login by code, on the given switch or on the only switch that has it. */
  findAgentLogin(loginCode: string, switchName?: string): AgentLoginObject | undefined;
  /**
   * Changes with every put, delete or replace, so readers can cache what they derive from the
   * objects (a view without it is read afresh each time).
   */
  readonly revision?: number;
}

export class ConfigIndex implements ConfigView {
  private maps = ConfigIndex.emptyMaps();
  private rev = 0;

  constructor(objects?: ConfigObjects) {
    if (objects) this.replaceAll(objects);
  }

  private static emptyMaps(): Record<ObjectType, Map<string, unknown>> {
    return Object.fromEntries(objectTypes.map((t) => [t, new Map<string, unknown>()])) as Record<ObjectType, Map<string, unknown>>;
  }

  get revision(): number {
    return this.rev;
  }

  get<T extends ObjectType>(type: T, key: string): ObjectOf<T> | undefined {
    return this.maps[type].get(key) as ObjectOf<T> | undefined;
  }

  list<T extends ObjectType>(type: T): Array<ObjectOf<T>> {
    return [...this.maps[type].values()] as Array<ObjectOf<T>>;
  }

  findDn(number: string, switchName?: string): DnObject | undefined {
    const n = number.toLowerCase();
    const all = this.list('dns').filter((d) => d.number.toLowerCase() === n && (switchName === undefined || d.switch === switchName));
    return all.length === 1 ? all[0] : undefined;
  }

  findAgentLogin(loginCode: string, switchName?: string): AgentLoginObject | undefined {
    const all = this.list('agentLogins').filter((a) => a.loginCode === loginCode && (switchName === undefined || a.switch === switchName));
    return all.length === 1 ? all[0] : undefined;
  }

  /** Inserts or replaces an object (a frozen copy); returns its key. */
  put<T extends ObjectType>(type: T, obj: ObjectOf<T>): string {
    const key = objectKey(type, obj);
    this.maps[type].set(key, deepFreeze(structuredClone(obj)));
    this.rev++;
    return key;
  }

  /** Removes an object; true when it existed. */
  delete(type: ObjectType, key: string): boolean {
    const existed = this.maps[type].delete(key);
    if (existed) this.rev++;
    return existed;
  }

  /** Replaces every object. */
  replaceAll(objects: ConfigObjects): void {
    this.maps = ConfigIndex.emptyMaps();
    this.rev++;
    for (const t of objectTypes) for (const o of objects[t]) this.put(t, o as ObjectOf<typeof t>);
  }

  /** A plain copy of every object. */
  toObjects(): ConfigObjects {
    const out = emptyObjects();
    for (const t of objectTypes) (out[t] as unknown[]) = this.list(t).map((o) => structuredClone(o));
    return out;
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
