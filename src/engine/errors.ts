// The closed list of result codes (commands.md) and the error every engine check throws.
export const ERROR_CODES = [
  'Syntax',
  'UnknownHandle',
  'WrongKind',
  'NameInUse',
  'NotAligned',
  'OutOfBound',
  'Unused',
  'Unique',
  'Busy',
  'InUse',
  'NoMemory',
  'AccessDenied',
  'InvalidArgs',
  'PageFault',
  'AlreadyMapped',
  'InvalidVaddrRange',
  'UnalignedVaddr',
  'WouldBlock',
  'Overflow',
  'Panic',
  'Precondition',
  'NotConfigured',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class SimError extends Error {
  readonly code: ErrorCode;
  /** For Precondition and Panic: the clause or condition, e.g. `drop_requires.unmapped`. */
  readonly clause: string | undefined;
  /**
   * The one exception to atomicity (commands.md): a fallible user copy that faults keeps the
   * bytes it copied and its reader/writer advances by that many. Such an error commits.
   */
  readonly keep: boolean;
  constructor(code: ErrorCode, message: string, clause?: string, keep = false) {
    super(message);
    this.code = code;
    this.clause = clause;
    this.keep = keep;
  }
}

export function fail(code: ErrorCode, message: string, clause?: string): never {
  throw new SimError(code, message, clause);
}
