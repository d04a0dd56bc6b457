// The base of every error thrown on purpose in worker/, supervisor/ and sys/: a stable `code`
// beside a message that names the thing (file, [section], key, fd). The codes each side exits
// with, and what they mean, are tabled in worker/error-codes.ts and supervisor/error-codes.ts.
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
