/** OCPI status codes (status_codes.asciidoc). */
export enum OcpiStatus {
  Success = 1000,
  ClientError = 2000,
  InvalidOrMissingParameters = 2001,
  NotEnoughInformation = 2002,
  UnknownLocation = 2003,
  UnknownToken = 2004,
  ServerError = 3000,
  UnableToUseClientApi = 3001,
  UnsupportedVersion = 3002,
  NoMatchingEndpoints = 3003,
  HubError = 4000,
  UnknownReceiver = 4001,
  ForwardedRequestTimeout = 4002,
  ConnectionProblem = 4003,
}
