/**
 * Mapping between configuration objects and rows of the cfg_* tables (config-migrations.ts).
 */
import type {
  AgentGroupObject,
  AgentLoginObject,
  ApplicationObject,
  DnObject,
  ObjectOf,
  ObjectType,
  OptionSections,
  PersonObject,
  PlaceObject,
  SwitchObject,
} from '../config/config-objects.ts';
import { objectKey } from '../config/config-objects.ts';
import { decodeJson, encodeJson } from './json-column.ts';

/** A row as Kysely sees it. */
export type Row = Record<string, unknown>;

/** The table of each object kind. */
export const tableOf: Record<ObjectType, string> = {
  switches: 'cfg_switch',
  dns: 'cfg_dn',
  places: 'cfg_place',
  persons: 'cfg_person',
  agentLogins: 'cfg_agent_login',
  agentGroups: 'cfg_agent_group',
  applications: 'cfg_application',
};

const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** Object → row (with its object_key). */
export function toRow<T extends ObjectType>(type: T, obj: ObjectOf<T>): Row {
  const object_key = objectKey(type, obj);
  switch (type) {
    case 'switches': {
      const o = obj as SwitchObject;
      return { object_key, name: o.name, annex: encodeJson(o.annex) };
    }
    case 'dns': {
      const o = obj as DnObject;
      return { object_key, switch: o.switch, number: o.number, type: o.type, register: o.register ? 1 : 0, association: o.association ?? null, annex: encodeJson(o.annex) };
    }
    case 'places': {
      const o = obj as PlaceObject;
      return { object_key, name: o.name, dns: encodeJson(o.dns) };
    }
    case 'persons': {
      const o = obj as PersonObject;
      return {
        object_key,
        user_name: o.userName,
        first_name: o.firstName ?? null,
        last_name: o.lastName ?? null,
        password_hash: o.passwordHash ?? null,
        default_place: o.defaultPlace ?? null,
        agent_logins: encodeJson(o.agentLogins),
        annex: encodeJson(o.annex),
      };
    }
    case 'agentLogins': {
      const o = obj as AgentLoginObject;
      return { object_key, switch: o.switch, login_code: o.loginCode, password_hash: o.passwordHash ?? null, annex: encodeJson(o.annex) };
    }
    case 'agentGroups': {
      const o = obj as AgentGroupObject;
      return { object_key, name: o.name, members: encodeJson(o.members), annex: encodeJson(o.annex) };
    }
    default: {
      const o = obj as ApplicationObject;
      return { object_key, name: o.name, type: o.type, switch: o.switch ?? null, password_hash: o.passwordHash ?? null, options: encodeJson(o.options) };
    }
  }
}

/** Row → object; optional fields that are NULL are left out. */
export function fromRow<T extends ObjectType>(type: T, r: Row): ObjectOf<T> {
  const withOptional = <O extends object>(o: O, extra: Record<string, string | undefined>): O => {
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
    return o;
  };
  switch (type) {
    case 'switches':
      return { name: String(r.name), annex: decodeJson<OptionSections>(r.annex) } satisfies SwitchObject as ObjectOf<T>;
    case 'dns':
      return withOptional<DnObject>(
        { switch: String(r.switch), number: String(r.number), type: String(r.type) as DnObject['type'], register: Number(r.register) === 1 || r.register === true, annex: decodeJson(r.annex) },
        { association: opt(r.association) },
      ) as ObjectOf<T>;
    case 'places':
      return { name: String(r.name), dns: decodeJson(r.dns) } satisfies PlaceObject as ObjectOf<T>;
    case 'persons':
      return withOptional<PersonObject>(
        { userName: String(r.user_name), agentLogins: decodeJson(r.agent_logins), annex: decodeJson(r.annex) },
        { firstName: opt(r.first_name), lastName: opt(r.last_name), passwordHash: opt(r.password_hash), defaultPlace: opt(r.default_place) },
      ) as ObjectOf<T>;
    case 'agentLogins':
      return withOptional<AgentLoginObject>({ switch: String(r.switch), loginCode: String(r.login_code), annex: decodeJson(r.annex) }, { passwordHash: opt(r.password_hash) }) as ObjectOf<T>;
    case 'agentGroups':
      return { name: String(r.name), members: decodeJson(r.members), annex: decodeJson(r.annex) } satisfies AgentGroupObject as ObjectOf<T>;
    default:
      return withOptional<ApplicationObject>({ name: String(r.name), type: String(r.type) as ApplicationObject['type'], options: decodeJson(r.options) }, { switch: opt(r.switch), passwordHash: opt(r.password_hash) }) as ObjectOf<T>;
  }
}
