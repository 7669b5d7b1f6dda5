/**
 * A problem the user can fix: printed as one line (`seekable: <message>`), exit code 2, never a stack
 * trace. `pointToHelp` adds a line sending them to --help, for mistakes in how the command was typed.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly pointToHelp = false,
  ) {
    super(message);
  }
}

export const HELP_POINTER = "Run 'seekable --help' for the options.";
