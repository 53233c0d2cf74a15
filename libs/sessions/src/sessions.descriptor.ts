import { defineModule } from '@roamledger/module-kit';
import { Session, v211, v230 } from '@roamledger/ocpi';
import { InterfaceRole, ModuleID } from '@roamledger/ocpi/values';
import { PutSession, type SessionHandled } from './session.commands';
import { SESSION_STREAM_PREFIX, sessionDecider } from './session.decider';
import { SESSION_EVENT_TYPES } from './session.events';
import { SESSIONS_ROUTE, SESSIONS_ROUTES } from './sessions.controller';
import { SessionsModule } from './sessions.module';

/** mod_sessions, eMSP side: CPOs push their Sessions; we pull their Sessions Sender after an outage. */
export const sessionsDescriptor = defineModule({
  name: 'sessions',
  description: "OCPI Sessions receiver (eMSP), and the pull of CPOs' Sessions Sender interfaces",
  nestModule: SessionsModule,
  routes: Object.values(SESSIONS_ROUTES),
  endpoints: [{ identifier: ModuleID.SESSIONS, role: InterfaceRole.RECEIVER, route: SESSIONS_ROUTE, versions: SESSIONS_ROUTES }],
  streams: [{ prefix: SESSION_STREAM_PREFIX, aggregate: 'Session', decider: sessionDecider }],
  eventTypes: SESSION_EVENT_TYPES,
  pull: {
    module: ModuleID.SESSIONS,
    objectClass: Session,
    command: (session: Session, options) => new PutSession(session, options),
    versions: {
      '2.1.1': { objectClass: v211.Session211, toModel: v211.sessionFrom211 },
      '2.3.0': {
        objectClass: v230.Session230,
        read: v230.reader230(v230.Session230, v230.sessionFrom230),
        toModel: (session: Session) => session,
      },
    },
    outcome: (handled: SessionHandled) => ({ status: handled.events.length > 0 ? 'recorded' : 'unchanged' }),
  },
});
