/**
 * The one error type of the presence codecs. A malformed or hostile body is expected input, so
 * every parser returns `Result<…, PresenceCodecError>` instead of throwing.
 */

/** What went wrong, as a closed set the adapters can switch on. */
export type PresenceCodecErrorKind =
  /** The body is larger than the configured limit (default 64 KiB). */
  | 'too-large'
  /** A `<!DOCTYPE …>` was found; DTDs are never processed. */
  | 'doctype-forbidden'
  /** An `<!ENTITY …>` declaration or a reference to an undeclared named entity (`&foo;`). */
  | 'entity-forbidden'
  /** Elements nest deeper than the configured limit. */
  | 'too-deep'
  /** The document has more elements than the configured limit. */
  | 'too-many-elements'
  /** The body is not valid UTF-8. */
  | 'invalid-encoding'
  /** Not well-formed XML (unclosed tags, bad attributes, text outside the root, unbound prefix...). */
  | 'malformed-xml'
  /** Well-formed XML, but not the document this codec reads (wrong root element or namespace). */
  | 'unexpected-document'
  /** A required attribute or element is missing. */
  | 'missing-field'
  /** An attribute or element has a value outside its type (not a number, unknown enum...). */
  | 'invalid-value'
  /** A multipart body or its Content-Type is malformed (no boundary, no closing delimiter...). */
  | 'malformed-multipart'
  /** A body part has a content type no codec here reads. */
  | 'unsupported-content-type'
  /** A note holds `&` or `<` and the caller asked for Lync 2010 behaviour (seed 000: Lync 2010 rejects such updates). */
  | 'unsafe-note';

/** A typed, human-readable codec failure. `message` names the element or attribute at fault. */
export interface PresenceCodecError {
  readonly kind: PresenceCodecErrorKind;
  readonly message: string;
}

/** Builds a {@link PresenceCodecError}. */
export function codecError(kind: PresenceCodecErrorKind, message: string): PresenceCodecError {
  return { kind, message };
}
