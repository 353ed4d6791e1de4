// The password policy control of draft-behera-ldap-password-policy (OpenLDAP's ppolicy overlay). Sent empty with a
// bind or a password change; the directory answers in a response control of the same OID:
//
//   PasswordPolicyResponseValue ::= SEQUENCE {
//     warning [0] CHOICE { timeBeforeExpiration [0] INTEGER (0..maxInt), graceAuthNsRemaining [1] INTEGER (0..maxInt) } OPTIONAL,
//     error   [1] ENUMERATED { passwordExpired (0), accountLocked (1), changeAfterReset (2), passwordModNotAllowed (3),
//                              mustSupplyOldPassword (4), insufficientPasswordQuality (5), passwordTooShort (6),
//                              passwordTooYoung (7), passwordInHistory (8) } OPTIONAL }
//
// ldapts hands a response control whose OID it does not know to the request control of the same OID (its parse()),
// so one instance per operation carries the answer back, also when the operation itself failed (a refused bind).

import { type BerReader, BerWriter, Control } from 'ldapts';

export const PASSWORD_POLICY_OID = '1.3.6.1.4.1.42.2.27.8.5.1';

export const PPOLICY_ERRORS = [
  'passwordExpired',
  'accountLocked',
  'changeAfterReset',
  'passwordModNotAllowed',
  'mustSupplyOldPassword',
  'insufficientPasswordQuality',
  'passwordTooShort',
  'passwordTooYoung',
  'passwordInHistory',
] as const;

export type PasswordPolicyError = (typeof PPOLICY_ERRORS)[number];

export interface PasswordPolicyResponse {
  timeBeforeExpiration?: number;
  graceAuthNsRemaining?: number;
  error?: PasswordPolicyError;
}

// BER tags: [0] constructed (the warning CHOICE), [0]/[1] primitive inside it, [1] primitive (the error).
const WARNING = 0xa0;
const TIME_BEFORE_EXPIRATION = 0x80;
const GRACE_REMAINING = 0x81;
const ERROR = 0x81;

export class PasswordPolicyControl extends Control {
  static readonly type = PASSWORD_POLICY_OID;
  /** The directory's answer; null until (and unless) a response control arrived. */
  response: PasswordPolicyResponse | null = null;

  constructor() {
    super(PASSWORD_POLICY_OID, { critical: false });
  }

  protected override writeControl(): void {
    // The request carries no value.
  }

  protected override parseControl(reader: BerReader): void {
    this.response = decodePasswordPolicyResponse(reader);
  }
}

export function decodePasswordPolicyResponse(reader: BerReader): PasswordPolicyResponse {
  const out: PasswordPolicyResponse = {};
  if (reader.remain === 0 || reader.readSequence(0x30) === null) return out;
  const end = reader.offset + reader.length;
  while (reader.offset < end) {
    const tag = reader.peek();
    if (tag === WARNING) {
      reader.readSequence(WARNING);
      const inner = reader.peek();
      if (inner === TIME_BEFORE_EXPIRATION) out.timeBeforeExpiration = reader.readTag(TIME_BEFORE_EXPIRATION) ?? 0;
      else if (inner === GRACE_REMAINING) out.graceAuthNsRemaining = reader.readTag(GRACE_REMAINING) ?? 0;
      else break;
    } else if (tag === ERROR) {
      const code = reader.readTag(ERROR) ?? -1;
      const name = PPOLICY_ERRORS[code];
      if (name) out.error = name;
    } else {
      break;
    }
  }
  return out;
}

/** The response value as a directory sends it (the tests' side of the exchange). */
export function encodePasswordPolicyResponse(value: PasswordPolicyResponse): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  if (value.timeBeforeExpiration !== undefined || value.graceAuthNsRemaining !== undefined) {
    writer.startSequence(WARNING);
    if (value.timeBeforeExpiration !== undefined) writer.writeInt(value.timeBeforeExpiration, TIME_BEFORE_EXPIRATION);
    else writer.writeInt(value.graceAuthNsRemaining ?? 0, GRACE_REMAINING);
    writer.endSequence();
  }
  if (value.error !== undefined) writer.writeEnumeration(PPOLICY_ERRORS.indexOf(value.error), ERROR);
  writer.endSequence();
  return writer.buffer;
}
