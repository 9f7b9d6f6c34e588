// End-user tokens (the seed's "pauth"): JWTs verified at the edge with jose.
// apollo mints HS256 tokens with its shared secret (POST /v1/auth/user-tokens,
// for a client holding `users:issue`), and also accepts RS256/ES256 tokens
// from an external account system through a public key or a JWKS URL.
import { createRemoteJWKSet, decodeProtectedHeader, errors, importSPKI, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { AuthError, bearerChallenge, type Principal } from '../principal.js';

export interface UserTokenOptions {
  /** HS256 secret (at least 32 characters). */
  secret: string;
  /** PEM SPKI public key for RS256 tokens. */
  publicKeyPem?: string;
  /** JWKS URL for asymmetric tokens. */
  jwksUrl?: string;
  audience: string;
  issuer: string;
}

const ASYMMETRIC = ['RS256', 'ES256', 'PS256', 'EdDSA'];

export class UserTokens {
  private readonly secret: Uint8Array;
  private readonly publicKey: ReturnType<typeof importSPKI> | undefined;
  private readonly jwks: JWTVerifyGetKey | undefined;

  constructor(private readonly options: UserTokenOptions) {
    this.secret = new TextEncoder().encode(options.secret);
    this.publicKey = options.publicKeyPem ? importSPKI(options.publicKeyPem, 'RS256') : undefined;
    this.jwks = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
  }

  async mint(input: { userId: string; clientId: string; scopes: string[]; ttlSeconds: number }): Promise<string> {
    return new SignJWT({ scope: input.scopes.join(' '), client_id: input.clientId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(input.userId)
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setIssuedAt()
      .setExpirationTime(`${input.ttlSeconds}s`)
      .sign(this.secret);
  }

  async verify(token: string): Promise<Principal> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw invalid('the user token is not a JWT');
    }
    try {
      const { payload } = await this.verifyWithKey(token, alg);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw invalid('the user token has no subject');
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
      const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
      return { method: 'user-token', userId: payload.sub, scopes, ...(clientId ? { clientId } : {}) };
    } catch (error) {
      if (error instanceof AuthError) throw error;
      if (error instanceof errors.JWTExpired) {
        throw new AuthError(401, 'token_expired', 'the user token has expired', bearerChallenge('invalid_token', 'the user token has expired'));
      }
      if (error instanceof errors.JWTClaimValidationFailed) throw invalid(`the user token's ${error.claim} claim is not accepted`);
      throw invalid('the user token does not verify');
    }
  }

  private async verifyWithKey(token: string, alg: string | undefined) {
    const checks = { audience: this.options.audience, issuer: this.options.issuer };
    if (alg === 'HS256') return jwtVerify(token, this.secret, { ...checks, algorithms: ['HS256'] });
    if (alg && ASYMMETRIC.includes(alg) && this.jwks) return jwtVerify(token, this.jwks, { ...checks, algorithms: ASYMMETRIC });
    if (alg === 'RS256' && this.publicKey) return jwtVerify(token, await this.publicKey, { ...checks, algorithms: ['RS256'] });
    throw invalid(`user tokens signed with ${alg ?? 'no algorithm'} are not accepted`);
  }
}

const invalid = (message: string) => new AuthError(401, 'invalid_token', message, bearerChallenge('invalid_token', message));
