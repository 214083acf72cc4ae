/** pino-roll ships no type declarations: the part of its API OpenUCC uses. */
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';
  interface PinoRollOptions {
    file: string | (() => string);
    size?: string | number;
    frequency?: 'daily' | 'hourly' | number;
    extension?: string;
    mkdir?: boolean;
    symlink?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    dateFormat?: string;
  }
  export default function build(options: PinoRollOptions): Promise<DestinationStream & { end(): void; flushSync(): void }>;
}
