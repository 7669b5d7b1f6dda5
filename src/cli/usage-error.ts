/** A problem the user can fix: printed as one line (`seekable: <message>`), exit code 2, never a stack trace. */
export class UsageError extends Error {}
