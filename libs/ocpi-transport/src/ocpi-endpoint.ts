export const OCPI_ENDPOINT = 'roamledger:ocpi-endpoint';

export interface OcpiEndpointOptions {
  /** Configuration modules (versions, credentials) accept Token A and take no routing headers. */
  configurationModule?: boolean;
}
