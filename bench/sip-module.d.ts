// Minimal types for the `sip` npm package (kirm/sip.js 0.0.6), used as a yardstick only.
declare module 'sip' {
  /** Parses one whole message (string or Buffer); undefined when it cannot. */
  export function parse(s: string | Buffer): Record<string, unknown> | undefined;
  /** Serializes a parsed message object to a string. */
  export function stringify(m: Record<string, unknown>): string;
  const sip: { parse: typeof parse; stringify: typeof stringify };
  export default sip;
}
