/**
 * Process-wide SIP transaction counters for the metrics endpoint (src/metrics). Plain integers
 * incremented inline on the transaction paths (no allocation, no lookup); read on each scrape.
 */
export const sipCounters = {
  /** Client transactions created (requests sent). */
  clientTransactions: 0,
  /** Server transactions created (requests received that were not retransmissions). */
  serverTransactions: 0,
  /** Requests or responses this side sent again on a retransmission timer (A, E, G, 2xx). */
  retransmissionsSent: 0,
  /** Retransmitted requests received and answered from a transaction. */
  retransmissionsReceived: 0,
};
