/**
 * Where the responses of Completed non-INVITE transactions keep their bytes for 32 s.
 *
 * A serialized response is a slice of Node's shared 8 KiB Buffer pool, and a slice keeps its whole
 * slab alive: held for Timer J among the short-lived buffers of parsing, each answered NOTIFY
 * pinned a few KiB of native memory (281 MB for 171,000 transactions in bench/presence-hotpath,
 * for 70 MB of responses), and V8 collects more often as external memory grows. Copied here, the
 * responses fill slabs of their own in the order they entered Completed, which is the order they
 * leave it (Timer J is the same for all), so a slab is freed soon after its last response expires.
 */
export class ResponseArena {
  private slab: Buffer | undefined;
  private used = 0;

  constructor(private readonly slabBytes = 64 * 1024) {}

  /** A copy of `data` in a shared slab (a buffer of its own when larger than a quarter slab). */
  copy(data: Buffer): Buffer {
    const n = data.length;
    if (n > this.slabBytes / 4) return Buffer.from(data);
    if (!this.slab || this.used + n > this.slabBytes) {
      this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + n);
    data.copy(out);
    this.used += n;
    return out;
  }
}
