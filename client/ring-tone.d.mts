/** The WAV bytes of one 2-second ring cycle, generated (8-bit mono PCM). */
export function ringToneWav(sampleRate?: number): Uint8Array;
