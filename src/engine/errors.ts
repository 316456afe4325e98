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
  constructor(code: ErrorCode, message: string, clause?: string) {
    super(message);
    this.code = code;
    this.clause = clause;
  }
}

export function fail(code: ErrorCode, message: string, clause?: string): never {
  throw new SimError(code, message, clause);
}
