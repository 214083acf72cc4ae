/**
 * The media type of a NOTIFY's Content-Type, read once per distinct header value: a presence
 * server sends the same Content-Type on every NOTIFY of a subscription, so the adapter keeps the
 * last value it parsed instead of parsing it again for each presence update.
 */
import { parseContentType } from '../../presence/multipart.ts';

/** Media type of a Content-Type header value, lower-case ('' when absent or unreadable). */
export function mediaTypeOf(value: string | undefined): string {
  if (value === undefined) return '';
  const ct = parseContentType(value);
  return ct.ok ? ct.value.mediaType : '';
}

/** {@link mediaTypeOf} with the last value remembered. */
export class MediaTypeReader {
  private lastValue: string | undefined;
  private lastType = '';

  read(value: string | undefined): string {
    if (value === undefined) return '';
    if (value !== this.lastValue) {
      this.lastType = mediaTypeOf(value);
      this.lastValue = value;
    }
    return this.lastType;
  }
}
