// A software authenticator for HTTP tests: a real ES256 key pair (node:crypto) and hand-built WebAuthn
// structures — clientDataJSON, authenticatorData, a CBOR attestation object of format "none", and ECDSA
// assertion signatures — so the server's verification runs exactly as for a browser. No library mocks.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type Cbor = number | string | Uint8Array | Cbor[] | Map<number | string, Cbor>;

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

/** Enough CBOR (RFC 8949) for attestation objects and COSE keys: integers, strings, byte strings, arrays, maps. */
export function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();
const b64u = (b: Uint8Array | string): string => Buffer.from(b).toString('base64url');

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export interface CeremonyOptions {
  /** Defaults to the challenge of the options given. */
  challenge?: string;
  origin?: string;
  rpId?: string;
  type?: string;
  userPresent?: boolean;
  userVerified?: boolean;
  /** The signature counter to report (default: one more than the last). */
  counter?: number;
  /** base64url user handle for assertions (default: the one from registration); null leaves it out. */
  userHandle?: string | null;
  /** Sign with this key instead of the credential's own (a forged assertion). */
  signingKey?: KeyObject;
}

export interface RegistrationResponse {
  id: string;
  rawId: string;
  type: 'public-key';
  response: { clientDataJSON: string; attestationObject: string; transports: string[] };
  clientExtensionResults: Record<string, never>;
  authenticatorAttachment?: 'platform' | 'cross-platform';
}

export interface AssertionResponse {
  id: string;
  rawId: string;
  type: 'public-key';
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
  clientExtensionResults: Record<string, never>;
  authenticatorAttachment?: 'platform' | 'cross-platform';
}

export class SoftAuthenticator {
  readonly credentialId: Buffer;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  counter: number;
  userHandle: string | undefined;

  constructor(readonly defaults: { rpId: string; origin: string; transports?: string[]; counterStart?: number; backedUp?: boolean }) {
    this.credentialId = randomBytes(32);
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.counter = defaults.counterStart ?? 0;
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  /** COSE_Key (RFC 9053): EC2, ES256, P-256. */
  coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return cbor(
      new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
  }

  private clientData(type: string, challenge: string, origin: string): string {
    return b64u(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  private flags(o: CeremonyOptions, extra: number): number {
    let f = extra;
    if (o.userPresent !== false) f |= FLAG_UP;
    if (o.userVerified !== false) f |= FLAG_UV;
    if (this.defaults.backedUp) f |= FLAG_BE | FLAG_BS;
    return f;
  }

  private counterBytes(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  }

  /** The answer to registration options (navigator.credentials.create), attestation "none". */
  register(options: { challenge: string; user?: { id: string } }, o: CeremonyOptions = {}): RegistrationResponse {
    this.userHandle = options.user?.id;
    const rpIdHash = sha256(o.rpId ?? this.defaults.rpId);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      rpIdHash,
      Buffer.from([this.flags(o, FLAG_AT)]),
      this.counterBytes(this.counter),
      Buffer.alloc(16),
      idLength,
      this.credentialId,
      this.coseKey(),
    ]);
    const attestationObject = cbor(
      new Map<string, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData(o.type ?? 'webauthn.create', o.challenge ?? options.challenge, o.origin ?? this.defaults.origin),
        attestationObject: b64u(attestationObject),
        transports: this.defaults.transports ?? ['internal'],
      },
      clientExtensionResults: {},
    };
  }

  /** The answer to request options (navigator.credentials.get), signed with the credential's key. */
  assert(options: { challenge: string }, o: CeremonyOptions = {}): AssertionResponse {
    const counter = o.counter ?? this.counter + 1;
    this.counter = Math.max(this.counter, counter);
    const authData = Buffer.concat([sha256(o.rpId ?? this.defaults.rpId), Buffer.from([this.flags(o, 0)]), this.counterBytes(counter)]);
    const clientDataJSON = this.clientData(o.type ?? 'webauthn.get', o.challenge ?? options.challenge, o.origin ?? this.defaults.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]), o.signingKey ?? this.privateKey);
    const handle = o.userHandle === null ? undefined : (o.userHandle ?? this.userHandle);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON, authenticatorData: b64u(authData), signature: b64u(signature), ...(handle ? { userHandle: handle } : {}) },
      clientExtensionResults: {},
    };
  }
}

/** A throwaway P-256 key, for signatures by someone who does not hold the credential. */
export function otherKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}
