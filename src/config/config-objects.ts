/**
 * The configuration objects of the seeds (Genesys Configuration Layer), normalized: what the loader
 * produces, what the store keeps and what roles read. YAML spelling is in config-document-schema.ts.
 */

/** An option value as written in YAML; Genesys options are strings, YAML gives us numbers and booleans too. */
export type OptionValue = string | number | boolean;

/** Options by section (`{ TServer: { 'wrap-up-time': 5 } }`): Application options or an object's annex. */
export type OptionSections = Record<string, Record<string, OptionValue>>;

/** DN types of seed 004 section 2.3. */
export const dnTypes = ['Extension', 'ACD Queue', 'Routing Point', 'External Routing Point', 'Virtual Queue', 'Trunk', 'Trunk Group', 'Voice over IP Service'] as const;
export type DnType = (typeof dnTypes)[number];

/** Application types OpenUCC knows (one per role that reads options). */
export const applicationTypes = ['tserver', 'ucc', 'router', 'stat-server', 'reporting', 'custom-server'] as const;
export type ApplicationType = (typeof applicationTypes)[number];

/** A Switch: the telephony object that DNs and Agent Logins belong to. */
export interface SwitchObject {
  name: string;
  annex: OptionSections;
}

/** A DN (directory number) on a switch. Numbers compare case-insensitively (seed 004 2.2). */
export interface DnObject {
  switch: string;
  number: string;
  type: DnType;
  /** The seed requires `register: true` except for the Response Group ACD Queue. */
  register: boolean;
  association?: string;
  annex: OptionSections;
}

/** Reference to a DN by switch and number. */
export interface DnRef {
  switch: string;
  number: string;
}

/** A Place: a seat, with its DNs. */
export interface PlaceObject {
  name: string;
  dns: DnRef[];
}

/** Reference to an Agent Login by switch and login code. */
export interface AgentLoginRef {
  switch: string;
  loginCode: string;
}

/** A Person (a knowledge worker when it has agent logins). Passwords are kept only as scrypt hashes. */
export interface PersonObject {
  userName: string;
  firstName?: string;
  lastName?: string;
  /** `scrypt$N$r$p$salt$hash` (see password-hash.ts). */
  passwordHash?: string;
  agentLogins: AgentLoginRef[];
  defaultPlace?: string;
  annex: OptionSections;
}

/** An Agent Login: the login code an agent logs in with on a switch. */
export interface AgentLoginObject {
  switch: string;
  loginCode: string;
  passwordHash?: string;
  annex: OptionSections;
}

/** An Agent Group: the Persons routing may target together. */
export interface AgentGroupObject {
  name: string;
  /** Person user names. */
  members: string[];
  annex: OptionSections;
}

/** An Application (a role instance) with its options by section. */
export interface ApplicationObject {
  name: string;
  type: ApplicationType;
  /** The switch a `tserver` application serves. */
  switch?: string;
  /** The T-Lib client password as `scrypt$N$r$p$salt$hash` (see password-hash.ts). */
  passwordHash?: string;
  options: OptionSections;
}

/** Every configuration object, by kind. */
export interface ConfigObjects {
  switches: SwitchObject[];
  dns: DnObject[];
  places: PlaceObject[];
  persons: PersonObject[];
  agentLogins: AgentLoginObject[];
  agentGroups: AgentGroupObject[];
  applications: ApplicationObject[];
}

/** Object kinds, named as the YAML lists. */
export type ObjectType = keyof ConfigObjects;
export const objectTypes: readonly ObjectType[] = ['switches', 'dns', 'places', 'persons', 'agentLogins', 'agentGroups', 'applications'];

/** The object type held by each kind. */
export type ObjectOf<T extends ObjectType> = ConfigObjects[T][number];

/** An empty set of objects. */
export function emptyObjects(): ConfigObjects {
  return { switches: [], dns: [], places: [], persons: [], agentLogins: [], agentGroups: [], applications: [] };
}

/**
 * The identity of an object within its kind, as one string: `name`, `userName`, or `switch/number`
 * and `switch/loginCode` for the per-switch objects. DN numbers are lower-cased (seed 004 2.2: DN
 * names differing only by case are the same DN).
 */
export function objectKey<T extends ObjectType>(type: T, obj: ObjectOf<T>): string {
  switch (type) {
    case 'dns': {
      const d = obj as DnObject;
      return dnKey(d.switch, d.number);
    }
    case 'agentLogins': {
      const a = obj as AgentLoginObject;
      return `${a.switch}/${a.loginCode}`;
    }
    case 'persons':
      return (obj as PersonObject).userName;
    default:
      return (obj as { name: string }).name;
  }
}

/** The key of a DN (see objectKey). */
export function dnKey(switchName: string, number: string): string {
  return `${switchName}/${number.toLowerCase()}`;
}

/** Where an option or annex lives on each object kind. */
export function sectionsOf<T extends ObjectType>(type: T, obj: ObjectOf<T>): OptionSections | undefined {
  if (type === 'applications') return (obj as ApplicationObject).options;
  if (type === 'places') return undefined;
  return (obj as { annex: OptionSections }).annex;
}

/**
 * Finds a section by name: exact spelling first, then case-insensitively, because the seeds spell the
 * same section `uc-connector` on the Application and `UC-Connector` on the Person annex.
 */
export function findSection(sections: OptionSections | undefined, name: string): Record<string, OptionValue> | undefined {
  if (!sections) return undefined;
  const exact = sections[name];
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(sections)) if (k.toLowerCase() === lower) return v;
  return undefined;
}
