// Loaded only through loadHeavy() in heavy.ts; never import this file statically.
export { BoxClient } from '../core/box/client';
export { createDispatcher } from '../core/box/dispatcher';
export { TokenManager } from '../core/auth/tokenManager';
export { createFileLock } from '../core/auth/fileLock';
export { signInWithOAuth } from '../core/auth/signIn';
export { clientCredentialsGrant } from '../core/auth/oauthClient';
export { pull } from '../core/pull/pull';
