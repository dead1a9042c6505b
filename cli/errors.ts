/**
 * A user-facing error: the CLI prints its message on one line (no stack
 * trace) and exits with its code. Everything else that escapes is a bug in
 * warden, reported as such.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
