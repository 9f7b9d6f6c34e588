// Picks the authentication method from what a public request carries:
// apollo signature headers → signed request; `Authorization: Bearer <jwt>`
// → end-user token; `Authorization: Bearer <opaque>` → OAuth access token;
// nothing → anonymous. Then refuses a disabled client, whichever the method.
import type { ClientDirectory } from '../clients/directory.js';
import { principalFromAccessToken, type OAuthDeps } from './oauth/oauth.js';
import { AuthError, ANONYMOUS_PRINCIPAL, bearerChallenge, type Principal } from './principal.js';
import { isSigned, verifySignedRequest, type SignedDeps, type SignedRequest } from './signed/verify.js';
import type { UserTokens } from './user-token/user-tokens.js';

export interface AuthenticateDeps {
  directory: ClientDirectory;
  oauth: OAuthDeps;
  signed: SignedDeps;
  userTokens: UserTokens;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** `checksLiveness`: the caller checks Principal.liveKey (see principalFromAccessToken). */
export async function authenticate(deps: AuthenticateDeps, request: SignedRequest, checksLiveness = false): Promise<Principal> {
  const authorization = request.headers.get('authorization');
  if (isSigned(request.headers)) {
    if (authorization) throw malformed('send either apollo signature headers or an Authorization header, not both');
    return verifySignedRequest(deps.signed, request);
  }
  if (authorization === null) return ANONYMOUS_PRINCIPAL;
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  if (!match || !TOKEN68.test(match[1]!)) throw malformed('the Authorization header must be "Bearer <token>"');
  const token = match[1]!;
  const principal = JWT_SHAPE.test(token) ? await deps.userTokens.verify(token) : await principalFromAccessToken(deps.oauth, token, checksLiveness);
  if (principal.clientId && principal.method === 'user-token') {
    const client = await deps.directory.get(principal.clientId);
    if (!client || client.disabled) {
      throw new AuthError(401, 'invalid_token', 'the client that issued this user token is disabled', bearerChallenge('invalid_token', 'issuing client disabled'));
    }
  }
  return principal;
}

const malformed = (message: string) => new AuthError(400, 'invalid_authorization', message, bearerChallenge('invalid_request', message));
