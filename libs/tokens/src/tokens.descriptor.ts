import { defineModule } from '@roamledger/module-kit';
import { InterfaceRole, ModuleID } from '@roamledger/ocpi/values';
import { ADMIN_AUTHORIZATIONS_ROUTE, ADMIN_TOKENS_ROUTE } from './admin/admin-tokens.controller';
import { AUTHORIZATION_STREAM_PREFIX, authorizationDecider } from './authorization.decider';
import { AUTHORIZATION_FINDING_STREAM_PREFIX, authorizationFindingDecider } from './authorization-finding.decider';
import { TOKEN_STREAM_PREFIX, tokenDecider } from './token.decider';
import {
  AUTHORIZATION_EVENT_TYPES,
  AUTHORIZATION_FINDING_EVENT_TYPES,
  TOKEN_EVENT_TYPES,
  TOKEN_PUSH_EVENT_TYPES,
} from './token.events';
import { TOKEN_PUSH_STREAM_PREFIX, tokenPushDecider } from './token-push.decider';
import { TOKENS_ROUTE, TOKENS_ROUTES } from './tokens.controller';
import { TokensModule } from './tokens.module';

/** mod_tokens, eMSP side: our token register, pushed to CPOs, pulled by them, and real-time authorization. */
export const tokensDescriptor = defineModule({
  name: 'tokens',
  description: 'OCPI Tokens sender (eMSP): the token register, its push to CPOs, their pulls and real-time authorization',
  nestModule: TokensModule,
  routes: [...Object.values(TOKENS_ROUTES), ADMIN_TOKENS_ROUTE, ADMIN_AUTHORIZATIONS_ROUTE],
  endpoints: [{ identifier: ModuleID.TOKENS, role: InterfaceRole.SENDER, route: TOKENS_ROUTE, versions: TOKENS_ROUTES }],
  streams: [
    { prefix: TOKEN_STREAM_PREFIX, aggregate: 'Token', decider: tokenDecider },
    { prefix: AUTHORIZATION_STREAM_PREFIX, aggregate: 'Authorization', decider: authorizationDecider },
    { prefix: TOKEN_PUSH_STREAM_PREFIX, aggregate: 'Token pushes to a partner', decider: tokenPushDecider },
    {
      prefix: AUTHORIZATION_FINDING_STREAM_PREFIX,
      aggregate: 'Authorization finding on a session or CDR',
      decider: authorizationFindingDecider,
    },
  ],
  eventTypes: [
    ...TOKEN_EVENT_TYPES,
    ...AUTHORIZATION_EVENT_TYPES,
    ...TOKEN_PUSH_EVENT_TYPES,
    ...AUTHORIZATION_FINDING_EVENT_TYPES,
  ],
});
