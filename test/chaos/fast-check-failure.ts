// fast-check 4 keeps the property's own error in `cause`, out of the message: without it a failure
// in CI read only "Property failed after 5 tests" and the counterexample, never why.
export function failureText(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  const cause = e.cause instanceof Error ? e.cause.message : e.cause === undefined ? '' : String(e.cause);
  return `${e.message}${cause ? `\nGot error: ${cause}` : ''}`.slice(0, 6000);
}
