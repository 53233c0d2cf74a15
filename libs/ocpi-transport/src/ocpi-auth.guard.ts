import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { sameParty } from '@roamledger/ocpi';
import {
  MALFORMED_JSON,
  type MalformedJson,
  PartnerLimits,
  ROAMLEDGER_CONFIG,
  type RoamledgerConfig,
  UNACCEPTABLE_JSON,
  type UnacceptableJson,
} from '@roamledger/service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { credentialsTokenCandidates } from './authorization-header';
import { OCPI_ENDPOINT, type OcpiEndpointOptions } from './ocpi-endpoint';
import { OcpiError } from './ocpi-error';
import { exchangeOf } from './ocpi-exchange.request';
import { type AuthenticatedPartner, PARTNER_AUTHENTICATOR, type PartnerAuthenticator } from './partner';
import { OcpiStatus } from './status-codes';

/**
 * Authenticates the credentials token, enforces the Token A rule and the routing headers, and
 * rejects a body that is not JSON (after authentication, so the rejection lands in the partner's log).
 */
@Injectable()
export class OcpiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(PARTNER_AUTHENTICATOR) private readonly authenticator: PartnerAuthenticator,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
    private readonly limits: PartnerLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const exchange = exchangeOf(request, http.getResponse<FastifyReply>());
    const options =
      this.reflector.getAllAndOverride<OcpiEndpointOptions | undefined>(OCPI_ENDPOINT, [
        context.getHandler(),
        context.getClass(),
      ]) ?? {};

    let partner: AuthenticatedPartner | undefined;
    const plainIsNormal = exchange.version === '2.1.1' || (!!options.configurationModule && !exchange.version);
    for (const candidate of credentialsTokenCandidates(request.headers.authorization)) {
      partner = await this.authenticator.authenticate(candidate.token, candidate.form, plainIsNormal);
      if (partner) break;
    }
    if (!partner) {
      throw OcpiError.unauthorized(request.headers.authorization ? 'Unknown credentials token' : 'Missing Authorization header');
    }
    if (partner.tokenKind === 'A' && !options.configurationModule) {
      throw OcpiError.unauthorized('Token A is only valid on the versions and credentials modules');
    }
    exchange.partner = partner;
    const waitSeconds = this.limits.requests.take(partner.partnerId);
    if (waitSeconds > 0) {
      http.getResponse<FastifyReply>().header('Retry-After', String(waitSeconds));
      throw new OcpiError(
        OcpiStatus.ClientError,
        `Too many requests: at most ${this.config.limits.partnerRequestsPerSecond} a second per partner`,
        429,
      );
    }

    if (partner.suspended && !options.configurationModule) {
      throw new OcpiError(OcpiStatus.ClientError, 'This partner connection is suspended', 403);
    }
    if ((request.body as MalformedJson | undefined)?.[MALFORMED_JSON]) {
      throw OcpiError.malformedJson((request.body as MalformedJson)[MALFORMED_JSON]);
    }
    if ((request.body as UnacceptableJson | undefined)?.[UNACCEPTABLE_JSON]) {
      throw OcpiError.invalidParameters((request.body as UnacceptableJson)[UNACCEPTABLE_JSON]);
    }
    if (!options.configurationModule) this.checkRouting(exchange.from, exchange.to, partner);
    return true;
  }

  private checkRouting(
    from: { countryCode: string; partyId: string } | undefined,
    to: { countryCode: string; partyId: string } | undefined,
    partner: { roles: Array<{ countryCode: string; partyId: string }> },
  ): void {
    if (from && !partner.roles.some((role) => sameParty(role, from))) {
      throw OcpiError.invalidParameters(
        `OCPI-from-country-code/OCPI-from-party-id ${from.countryCode}*${from.partyId} is not a party of your credentials`,
      );
    }
    if (to && !this.config.ocpiParties.some((party) => sameParty(party, to))) {
      throw new OcpiError(OcpiStatus.UnknownReceiver, `OCPI-to ${to.countryCode}*${to.partyId} is not a party hosted here`);
    }
  }
}
