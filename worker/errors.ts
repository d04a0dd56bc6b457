// Coded errors. Exit codes are part of the CLI contract (README "Exit codes"):
//   0 clean stop · 1 unexpected failure (uncaught exception in app code after start)
//   2 bad input before serving: usage, app file, fd, backend unavailable
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class WorkerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}
