import { OcpiStatus } from './status-codes';

/**
 * A request the OCPI layer refuses, with the OCPI status code and the HTTP status it travels with.
 * HTTP statuses follow status_codes.asciidoc: a request that is valid JSON and reaches an OCPI
 * endpoint gets HTTP 200 with a 2xxx code; HTTP errors are for the transport: malformed JSON (400),
 * authentication (401), a missing object or another party's object (404), a method the interface
 * does not offer (405), and server faults (5xx).
 */
export class OcpiError extends Error {
  constructor(
    readonly statusCode: OcpiStatus,
    message: string,
    readonly httpStatus = 200,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'OcpiError';
  }

  static invalidParameters(message: string, errors?: string[]): OcpiError {
    return new OcpiError(OcpiStatus.InvalidOrMissingParameters, message, 200, errors ? { errors } : undefined);
  }

  static malformedJson(message: string): OcpiError {
    return new OcpiError(OcpiStatus.InvalidOrMissingParameters, `Malformed JSON: ${message}`, 400);
  }

  static unauthorized(message: string): OcpiError {
    return new OcpiError(OcpiStatus.ClientError, message, 401);
  }

  static notFound(message: string, statusCode: OcpiStatus = OcpiStatus.ClientError): OcpiError {
    return new OcpiError(statusCode, message, 404);
  }

  /** Writing under a country_code/party_id the partner does not hold (transport_and_format allows 404). */
  static notYourParty(countryCode: string, partyId: string): OcpiError {
    return new OcpiError(
      OcpiStatus.ClientError,
      `Party ${countryCode}*${partyId} is not one of the parties of your credentials`,
      404,
    );
  }

  static methodNotAllowed(message: string): OcpiError {
    return new OcpiError(OcpiStatus.ClientError, message, 405);
  }

  static serverError(message: string, statusCode: OcpiStatus = OcpiStatus.ServerError): OcpiError {
    return new OcpiError(statusCode, message, 500);
  }
}
