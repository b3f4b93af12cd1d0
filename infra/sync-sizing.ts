/**
 * How the sync function is sized so that a slow provider fails one account cleanly and never
 * leaves an email sent but unmarked (issue 16). test/infra/stack.test.ts checks each relation.
 *
 * One invocation takes up to BATCH_SIZE records (one account each) and runs them in parallel
 * (Powertools' BatchProcessor), so it lasts as long as its slowest account, and every account gets
 * the same deadline from the context's remaining time (shared/use-cases/deadline.ts):
 *
 *   deadline              = start + 90 s timeout − 3 s handler margin              = start + 87 s
 *   provider requests end = deadline − 25 s send reserve − 5 s commit reserve     = start + 57 s
 *     57 s hold three full 15 s attempts (REQUEST_TIMEOUT_MS) and their backoff (≤ 0.5 s + 1 s),
 *     46.5 s; a fourth attempt is cut to what is left, and no retry starts that cannot finish.
 *   an email starts only with ≥ 25 s left before the deadline; it needs at most SES 3 × (1 + 4) s
 *     + SNS 2 × (1 + 3) s + the marks (milliseconds): so none is in flight when the time is up.
 *
 * A provider slower than that fails its account at ~57 s (ProviderUnavailableError): the handler
 * reports the record in batchItemFailures, SQS redelivers it after the visibility timeout, and
 * after 3 receives parks it in the dead-letter queue (alarm). The batch's other accounts finish.
 *
 *   visibility timeout   = 6 × 90 s = 540 s (AWS's advice for Lambda event sources)
 *   90 s timeout < the 10-minute claim timeout: a live claim never looks stale to another run
 *   5 concurrent invocations × 10 = 50 accounts in flight, each a few provider connections
 *
 * Shortening the timeout below ~78 s would leave the provider less than three attempts.
 */
export const SYNC_SIZING = {
  timeoutSeconds: 90,
  batchSize: 10,
  maxConcurrency: 5,
  /** AWS: at least six times the function timeout, so a retried record is not redelivered mid-run. */
  visibilityTimeoutSeconds: 6 * 90,
} as const;
