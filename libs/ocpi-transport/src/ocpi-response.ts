import { OcpiStatus } from './status-codes';

/** The envelope of every OCPI response, errors included. */
export interface OcpiResponse<T = unknown> {
  data?: T;
  status_code: number;
  status_message?: string;
  timestamp: string;
}

export function ocpiResponse<T>(data: T, statusCode: number = OcpiStatus.Success, statusMessage?: string): OcpiResponse<T> {
  return {
    data,
    status_code: statusCode,
    ...(statusMessage ? { status_message: statusMessage } : {}),
    timestamp: new Date().toISOString(),
  };
}
