import type { Token } from '@roamledger/ocpi';

/** What other modules (commands) may read of our token register, without folding its streams. */
export interface TokenRegisterPort {
  /** The current Token of one of our parties by uid and type (the first of OCPI_PARTIES that holds it). */
  findOurs(uid: string, type: string): Promise<Token | undefined>;
}

export const TOKEN_REGISTER = Symbol('TOKEN_REGISTER');
