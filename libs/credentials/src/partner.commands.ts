import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_STORE, type EventMetadata, type EventStore, type HandleOptions, handleCommand } from '@roamledger/event-store';
import {
  isOcpiVersion,
  MODULE_DESCRIPTORS,
  type ModuleDescriptor,
  OCPI_VERSION,
  type OcpiVersion,
  offeredVersions,
  publicRouteUrl,
} from '@roamledger/module-kit';
import {
  Credentials,
  InterfaceRole,
  ModuleID,
  Role,
  sameParty,
  Version,
  VersionDetails,
  v211,
  validateOcpi,
} from '@roamledger/ocpi';
import {
  credentialsTokenCandidates,
  OcpiCallError,
  OcpiClient,
  OcpiError,
  type OcpiExchange,
  OcpiStatus,
  parseOcpiBody,
} from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { VERSIONS_ROUTE } from './credentials.routes';
import {
  credentialsTokenHash,
  credentialsTokenStream,
  generateCredentialsToken,
  type IssuedTokenKind,
  issuedTokenDecider,
} from './credentials-token';
import {
  assertCanRegister,
  assertPermittedRoles,
  assertRegistered,
  type PartnerCommand,
  PartnerRejection,
  type PartnerState,
  partnerDecider,
  partnerStream,
  withHubRole,
} from './partner.decider';
import { type PartnerCredentialsRole, type PartnerEndpoint } from './partner.events';
import { PartnerDirectory, type PartnerView } from './partner-directory';
import { withoutCredentialsToken } from './redaction';
import { TokenVault } from './token-vault';

/** Our name in the credentials we hand out. */
export const OUR_BUSINESS_NAME = 'Roamledger';

/** Calls made during a handshake: the partner is waiting on the other end, so keep them short. */
export const HANDSHAKE_CALLS = { timeoutMs: 10_000, retries: 1, backoffMs: 250 };

export interface Invite {
  name: string;
  countryCode: string;
  partyId: string;
  roles: Role[];
  /** A platform's further parties, each with the roles it may hold. */
  moreParties?: Array<{ countryCode: string; partyId: string; roles: Role[] }>;
}

/** What the operator hands the partner: all it needs to start registering with us. */
export interface InvitationTicket {
  id: string;
  token_a: string;
  versions_url: string;
}

/**
 * The credentials module's use cases, both directions: a partner registers with us (POST), updates
 * (PUT) or unregisters (DELETE); we register with a partner (connect); the operator invites,
 * suspends and resumes. Decisions are the Partner decider's; this class does the I/O around them.
 */
@Injectable()
export class PartnerService {
  private readonly logger = new Logger('credentials');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
    private readonly vault: TokenVault,
    private readonly directory: PartnerDirectory,
    @Inject(MODULE_DESCRIPTORS) private readonly modules: readonly ModuleDescriptor[],
  ) {}

  /** Credentials as the version of the route speaks them: 2.1.1 has one party and no roles. */
  onTheWire(exchange: OcpiExchange, credentials: Credentials): Credentials | v211.Credentials211 {
    return exchange.version === '2.1.1' ? v211.credentialsTo211(credentials) : credentials;
  }

  /** The partner's credentials in the version of the route it called, as the model holds them. */
  private readCredentials(exchange: OcpiExchange, body: unknown, state: PartnerState): Credentials {
    if (exchange.version === '2.3.0') return parseOcpiBody(Credentials, body);
    if (exchange.version !== '2.1.1') return parseOcpiBody(Credentials, withoutHubPartyId(body));
    const role = state.roles[0]?.role ?? state.invitation?.roles[0];
    return v211.credentialsFrom211(parseOcpiBody(v211.Credentials211, body), role as Role | undefined);
  }

  /** The credentials object we hand out: the token, our versions URL and one EMSP role (and name) per hosted party. */
  ourCredentials(token: string): Credentials {
    return {
      token,
      url: publicRouteUrl(this.config.publicUrl, VERSIONS_ROUTE),
      roles: this.config.ocpiParties.map((party) => ({
        role: Role.EMSP,
        country_code: party.countryCode,
        party_id: party.partyId,
        business_details: { name: party.name ?? OUR_BUSINESS_NAME },
      })),
    };
  }

  // ---- operator ----

  async invite(invite: Invite): Promise<InvitationTicket> {
    await this.assertPartiesFree([invite, ...(invite.moreParties ?? [])]);
    const id = randomUUID();
    const tokenA = generateCredentialsToken();
    const tokenAHash = credentialsTokenHash(tokenA);
    // Index first: an index entry without its partner event matches nothing (the partner stream decides).
    await this.issueToken(tokenAHash, id, 'A');
    await this.handle(id, {
      type: 'InvitePartner',
      partnerId: id,
      name: invite.name,
      countryCode: invite.countryCode,
      partyId: invite.partyId,
      roles: invite.roles,
      ...(invite.moreParties?.length ? { moreParties: invite.moreParties } : {}),
      tokenAHash,
      at: now(),
    });
    return { id, token_a: tokenA, versions_url: publicRouteUrl(this.config.publicUrl, VERSIONS_ROUTE) };
  }

  async suspend(partnerId: string): Promise<PartnerView> {
    await this.handle(partnerId, { type: 'SuspendPartner', at: now() });
    return this.view(partnerId);
  }

  async resume(partnerId: string): Promise<PartnerView> {
    await this.handle(partnerId, { type: 'ResumePartner', at: now() });
    return this.view(partnerId);
  }

  async setAllowPlainToken(partnerId: string, allow: boolean): Promise<PartnerView> {
    await this.handle(partnerId, { type: 'SetPlainTokenAllowance', allow, at: now() });
    return this.view(partnerId);
  }

  // ---- the partner calls our credentials endpoint ----

  /** GET: our credentials with the token the partner is using right now. */
  async current(exchange: OcpiExchange, authorization: string | undefined): Promise<Credentials> {
    const { state } = await this.directory.load(partnerOf(exchange));
    const token = credentialsTokenCandidates(authorization)
      .map((candidate) => candidate.token)
      .find((candidate) => {
        const hash = credentialsTokenHash(candidate);
        return hash === state.tokenAHash || hash === state.tokenCHash;
      });
    if (!token) throw OcpiError.unauthorized('Unknown credentials token');
    return this.ourCredentials(token);
  }

  /** POST: registration. Fetches the partner's endpoints with its token, then answers with Token C. */
  async register(exchange: OcpiExchange, body: unknown): Promise<Credentials> {
    const partnerId = partnerOf(exchange);
    const { state } = await this.directory.load(partnerId);
    const credentials = this.readCredentials(exchange, body, state);
    asOcpi(() => assertCanRegister(state, withHubRole(credentials.roles as PartnerCredentialsRole[], credentials.hub_party_id)));
    return this.acceptCredentials(exchange, state, credentials, 'RegisterPartner');
  }

  /** PUT: new credentials (and endpoints, fetched again) for a registered partner; its old Token C stops working. */
  async update(exchange: OcpiExchange, body: unknown): Promise<Credentials> {
    const partnerId = partnerOf(exchange);
    const { state } = await this.directory.load(partnerId);
    const credentials = this.readCredentials(exchange, body, state);
    asOcpi(() => {
      assertRegistered(state);
      assertPermittedRoles(state, withHubRole(credentials.roles as PartnerCredentialsRole[], credentials.hub_party_id));
    });
    return this.acceptCredentials(exchange, state, credentials, 'UpdateCredentials');
  }

  /** DELETE: the partner unregisters; its token stops working. */
  async unregister(exchange: OcpiExchange): Promise<void> {
    const partnerId = partnerOf(exchange);
    const { events } = await asOcpiAsync(() =>
      this.handle(
        partnerId,
        { type: 'UnregisterPartner', by: 'partner', at: now() },
        { cause: exchange.requestEvent(), metadata: exchange.metadata() },
      ),
    );
    const revoked = events[0]?.type === 'PartnerUnregistered' ? events[0].data.revoked_token_sha256 : undefined;
    await this.revokeToken(revoked, 'unregistered');
  }

  private async acceptCredentials(
    exchange: OcpiExchange,
    state: PartnerState,
    credentials: Credentials,
    type: 'RegisterPartner' | 'UpdateCredentials',
  ): Promise<Credentials> {
    const partnerId = partnerOf(exchange);
    const roles = credentials.roles as PartnerCredentialsRole[];
    // The partner chose the version by the credentials route it called; a PUT on a newer one moves it up.
    const wanted = isOcpiVersion(exchange.version) ? exchange.version : OCPI_VERSION;
    const { version, endpoints } = await this.discover(
      credentials.url,
      credentials.token,
      state.allowPlainToken,
      exchange.correlationId,
      wanted,
    );
    const missing = missingEndpoints(roles, endpoints);
    if (missing.length) {
      throw new OcpiError(OcpiStatus.NoMatchingEndpoints, `Your version details lack endpoints we need: ${missing.join(', ')}`);
    }
    const tokenC = generateCredentialsToken();
    const tokenCHash = credentialsTokenHash(tokenC);
    await this.issueToken(tokenCHash, partnerId, 'C');
    const { events } = await asOcpiAsync(() =>
      this.handle(
        partnerId,
        {
          type,
          roles,
          ...(credentials.hub_party_id ? { hubPartyId: credentials.hub_party_id } : {}),
          versionsUrl: credentials.url,
          version,
          endpoints,
          theirToken: this.vault.seal(credentials.token),
          tokenCHash,
          at: now(),
        },
        { cause: withoutCredentialsToken(exchange.requestEvent()), metadata: exchange.metadata() },
      ),
    );
    const event = events[0];
    if (event?.type === 'PartnerRegistered' || event?.type === 'CredentialsRotated') {
      await this.revokeToken(event.data.revoked_token_sha256, type === 'RegisterPartner' ? 'registered' : 'rotated');
    }
    return this.ourCredentials(tokenC);
  }

  // ---- we register with a partner ----

  /**
   * The mirror image of `register`: with the partner's Token A we fetch its endpoints, POST our
   * credentials (with a fresh token of ours for it) and keep the token it answers with.
   */
  async connect(theirVersionsUrl: string, tokenA: string): Promise<PartnerView> {
    const metadata = operatorMetadata();
    const { version, endpoints } = await this.discover(theirVersionsUrl, tokenA, false, metadata.correlationId);
    const credentialsEndpoint = endpoints.find((endpoint) => endpoint.identifier === ModuleID.CREDENTIALS);
    const plainToken = version === '2.1.1';
    if (!credentialsEndpoint) throw new OcpiError(OcpiStatus.NoMatchingEndpoints, 'The partner lists no credentials endpoint');

    const partnerId = randomUUID();
    const ourToken = generateCredentialsToken();
    const ourTokenHash = credentialsTokenHash(ourToken);
    await this.issueToken(ourTokenHash, partnerId, 'C');
    // Recorded before the POST: the partner calls our versions with our token while handling it.
    await this.handle(
      partnerId,
      {
        type: 'StartConnection',
        partnerId,
        versionsUrl: theirVersionsUrl,
        version,
        endpoints,
        tokenHash: ourTokenHash,
        at: now(),
      },
      { metadata },
    );

    let theirs: Credentials;
    try {
      const client = new OcpiClient({ token: tokenA, plainToken, ...HANDSHAKE_CALLS });
      const ours = this.ourCredentials(ourToken);
      // Not retried: a second POST would meet an already registered client (405).
      const answer = await client.post<unknown>(credentialsEndpoint.url, plainToken ? v211.credentialsTo211(ours) : ours, {
        retries: 0,
        correlationId: metadata.correlationId,
      });
      const checked = plainToken
        ? read211Credentials(answer)
        : validateOcpi(Credentials, version === '2.3.0' ? answer : withoutHubPartyId(answer));
      if (!checked.ok)
        throw new OcpiError(
          OcpiStatus.UnableToUseClientApi,
          `The partner's credentials are invalid: ${checked.errors.join('; ')}`,
        );
      theirs = checked.value;
      await this.assertPartiesFree(
        withHubRole(theirs.roles as PartnerCredentialsRole[], theirs.hub_party_id).map((role) => ({
          countryCode: role.country_code,
          partyId: role.party_id,
        })),
        partnerId,
      ).catch(async (error) => {
        // We are registered on their side by now: undo it rather than keep a connection we refuse.
        await new OcpiClient({ token: theirs.token, plainToken, ...HANDSHAKE_CALLS })
          .delete(credentialsEndpoint.url)
          .catch(() => undefined);
        throw error;
      });
    } catch (error) {
      const reason =
        error instanceof OcpiCallError ? `Cannot register with the partner: ${error.message}` : (error as Error).message;
      await this.handle(partnerId, { type: 'FailConnection', reason, at: now() }, { metadata });
      await this.revokeToken(ourTokenHash, 'connection failed');
      if (error instanceof OcpiCallError) throw new OcpiError(OcpiStatus.UnableToUseClientApi, reason);
      throw error;
    }
    await this.handle(
      partnerId,
      {
        type: 'CompleteConnection',
        roles: theirs.roles as PartnerCredentialsRole[],
        ...(theirs.hub_party_id ? { hubPartyId: theirs.hub_party_id } : {}),
        theirToken: this.vault.seal(theirs.token),
        at: now(),
      },
      { metadata },
    );
    return this.view(partnerId);
  }

  // ---- shared ----

  /**
   * Their versions, then the details of the version to speak: `wanted` (the route the partner
   * called), else the highest both sides speak. 3001 when a call fails, 3002 without that version.
   */
  private async discover(
    url: string,
    token: string,
    plainToken: boolean,
    correlationId?: string,
    wanted?: OcpiVersion,
  ): Promise<{ version: OcpiVersion; endpoints: PartnerEndpoint[] }> {
    // 2.1.1 platforms read the token as sent; when we do not know the version yet, try 2.2's Base64 first.
    const clients = [new OcpiClient({ token, plainToken: plainToken || wanted === '2.1.1', ...HANDSHAKE_CALLS })];
    if (!plainToken && wanted !== '2.1.1') clients.push(new OcpiClient({ token, plainToken: true, ...HANDSHAKE_CALLS }));
    let client = clients[0];
    const get = async (target: string) => (await client.request<unknown>('GET', target, { correlationId })).data;
    const unusable = (what: string, error: unknown) =>
      new OcpiError(OcpiStatus.UnableToUseClientApi, `Cannot use your ${what}: ${(error as Error).message}`);
    let versions: unknown;
    for (const candidate of clients) {
      client = candidate;
      try {
        versions = await get(url);
        break;
      } catch (error) {
        const refusedToken = error instanceof OcpiCallError && error.httpStatus === 401;
        if (!refusedToken || candidate === clients[clients.length - 1]) throw unusable('versions endpoint', error);
      }
    }
    if (!Array.isArray(versions)) throw unusable('versions endpoint', new Error('data is not a list of versions'));
    const offered = versions.filter((entry) => entry && typeof entry === 'object') as Array<{ version?: unknown }>;
    const ours = wanted ? [wanted] : offeredVersions(this.modules);
    const mutual = ours.filter((version) => offered.some((entry) => entry.version === version));
    const chosen = mutual[mutual.length - 1];
    const match = offered.find((entry) => entry.version === chosen);
    if (!chosen || !match) {
      const listed = offered.map((entry) => String(entry.version)).join(', ') || 'none';
      throw new OcpiError(OcpiStatus.UnsupportedVersion, `No common version: you offer ${listed}, we speak ${ours.join(', ')}`);
    }
    const version = validateOcpi(Version, match);
    if (!version.ok) throw unusable('versions endpoint', new Error(version.errors.join('; ')));
    let details: unknown;
    try {
      details = await get(version.value.url);
    } catch (error) {
      throw unusable('version details', error);
    }
    if (chosen === '2.1.1') {
      const checked = validateOcpi(v211.VersionDetails211, details);
      if (!checked.ok) throw unusable('version details', new Error(checked.errors.join('; ')));
      return { version: chosen, endpoints: v211.endpointsFrom211(checked.value.endpoints) };
    }
    const checked = validateOcpi(VersionDetails, details);
    if (!checked.ok) throw unusable('version details', new Error(checked.errors.join('; ')));
    if (checked.value.version !== chosen) {
      throw new OcpiError(OcpiStatus.UnsupportedVersion, `Your ${chosen} details are for version ${checked.value.version}`);
    }
    return {
      version: chosen,
      endpoints: checked.value.endpoints.map(({ identifier, role, url }) => ({ identifier, role, url })),
    };
  }

  /** A party must belong to one active connection only, or two partners could write as the same party. */
  private async assertPartiesFree(
    parties: Array<{ countryCode: string; partyId: string }>,
    exceptPartnerId?: string,
  ): Promise<void> {
    const active = (await this.directory.list()).filter(
      (partner) => partner.id !== exceptPartnerId && partner.status !== 'unregistered' && partner.status !== 'connection_failed',
    );
    for (const party of parties) {
      const holder = active.find(
        (partner) =>
          partner.invitation?.parties.some((invited) => sameParty(invited, party)) ||
          // The state's roles: a 2.3.0 hub's view lists the parties of its credentials as behind it.
          this.directory
            .known(partner.id)
            .state.roles.some((role) => sameParty({ countryCode: role.country_code, partyId: role.party_id }, party)),
      );
      if (holder) {
        throw new PartnerRejection(
          'party_taken',
          `${party.countryCode.toUpperCase()}*${party.partyId.toUpperCase()} already belongs to partner ${holder.id} (${holder.name})`,
        );
      }
    }
  }

  /** Every write here waits for the directory to hold it: the next request authenticates against it. */
  private async handle(partnerId: string, command: PartnerCommand, options: HandleOptions = {}) {
    const handled = await handleCommand(this.store, partnerStream(partnerId), partnerDecider, command, {
      ...options,
      metadata: { ...options.metadata, partnerId },
    });
    await this.directory.reached(handled.position);
    return handled;
  }

  private async issueToken(tokenHash: string, partnerId: string, kind: IssuedTokenKind): Promise<void> {
    const handled = await handleCommand(this.store, credentialsTokenStream(tokenHash), issuedTokenDecider, {
      type: 'IssueToken',
      partnerId,
      kind,
      at: now(),
    });
    await this.directory.reached(handled.position);
  }

  /** Best effort: the partner stream already retired the token; the index only says so too. */
  private async revokeToken(tokenHash: string | undefined, reason: string): Promise<void> {
    if (!tokenHash) return;
    try {
      const handled = await handleCommand(this.store, credentialsTokenStream(tokenHash), issuedTokenDecider, {
        type: 'RevokeToken',
        reason,
        at: now(),
      });
      await this.directory.reached(handled.position);
    } catch (error) {
      this.logger.warn(`Could not mark a retired token as revoked in its index: ${(error as Error).message}`);
    }
  }

  private async view(partnerId: string): Promise<PartnerView> {
    const view = await this.directory.get(partnerId);
    if (!view) throw new PartnerRejection('unknown_partner', `Unknown partner ${partnerId}`);
    return view;
  }
}

/** What a partner with these roles must offer us: credentials always, and CDRs to pull from a CPO. */
export function missingEndpoints(roles: Array<{ role: string }>, endpoints: PartnerEndpoint[]): string[] {
  const required: Array<{ identifier: string; role?: InterfaceRole }> = [{ identifier: ModuleID.CREDENTIALS }];
  if (roles.some((role) => role.role === Role.CPO)) required.push({ identifier: ModuleID.CDRS, role: InterfaceRole.SENDER });
  return required
    .filter(
      (need) =>
        !endpoints.some((endpoint) => endpoint.identifier === need.identifier && (!need.role || endpoint.role === need.role)),
    )
    .map((need) => (need.role ? `${need.identifier} ${need.role}` : need.identifier));
}

/** A 2.1.1 platform's answer to our registration, as the model holds credentials (it is a CPO). */
function read211Credentials(answer: unknown): { ok: true; value: Credentials } | { ok: false; errors: string[] } {
  const checked = validateOcpi(v211.Credentials211, answer);
  return checked.ok ? { ok: true, value: v211.credentialsFrom211(checked.value) } : checked;
}

/** Before 2.3.0 credentials have no hub party: a field of that name is not read (nor refused). */
function withoutHubPartyId(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const { hub_party_id: _ignored, ...rest } = body as Record<string, unknown>;
  return rest;
}

function partnerOf(exchange: OcpiExchange): string {
  if (!exchange.partner) throw OcpiError.unauthorized('Not authenticated');
  return exchange.partner.partnerId;
}

/** The spec's answer to a credentials call in the wrong order is 405; other refusals are 2001. */
function toOcpiError(rejection: PartnerRejection): OcpiError {
  switch (rejection.reason) {
    case 'already_registered':
    case 'not_registered':
    case 'not_connecting':
      return OcpiError.methodNotAllowed(rejection.message);
    case 'roles_not_permitted':
      return OcpiError.invalidParameters(rejection.message);
    default:
      return new OcpiError(OcpiStatus.ClientError, rejection.message);
  }
}

function asOcpi<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw error instanceof PartnerRejection ? toOcpiError(error) : error;
  }
}

async function asOcpiAsync<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof PartnerRejection ? toOcpiError(error) : error;
  }
}

function operatorMetadata(): EventMetadata {
  return { correlationId: randomUUID(), source: 'admin' };
}

function now(): string {
  return new Date().toISOString();
}
