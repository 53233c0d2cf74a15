import path from 'node:path';

export type EventStoreKind = 'pglite' | 'postgres' | 'kurrentdb';

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  topicPrefix: string;
}

export interface OcpiPartyId {
  countryCode: string;
  partyId: string;
  /** The name in this party's business details (`NL*RLG=Roamledger NL`); unset: Roamledger. */
  name?: string;
}

/** Everything a Roamledger process reads from its environment, checked once at start. */
export interface RoamledgerConfig {
  port: number;
  publicUrl: string;
  dataDir: string;
  eventStore: EventStoreKind;
  databaseUrl?: string;
  kurrentdbUrl?: string;
  kafka?: KafkaConfig;
  /** The eMSP parties this platform hosts. */
  ocpiParties: OcpiPartyId[];
  adminApiKey?: string;
  financeApiKey?: string;
  /** Read-only audit API key (/audit); unset: generated into DATA_DIR/audit-api-key. */
  auditApiKey?: string;
  catalogApiKey?: string;
  /** Driver-app API key (/api); unset: generated into DATA_DIR/app-api-key. */
  appApiKey?: string;
  /** Key that encrypts the tokens partners give us; unset: generated into DATA_DIR/partner-token-key. */
  partnerTokenKey?: string;
  /** IANA time zone billing periods (statement months, from/to dates) are computed in; stored times stay UTC. */
  billingTimeZone: string;
  /** A COMPLETED session without a CDR this many hours after its end is reported. */
  billingCdrDueHours: number;
  /** PRICING_TOLERANCE: a CDR whose total_cost differs from our price by more minor units than this is a CdrCostMismatch. */
  pricingToleranceMinorUnits: number;
  /** Pulling partners' Sender interfaces (libs/pull). */
  pull: {
    /** Seconds between scheduled pulls; 0 turns the schedule off. */
    intervalSeconds: number;
    /** How far back the first pull of a partner reaches. */
    firstLookbackDays: number;
    /** Each pull starts this long before the previous one ended, for late last_updated values. */
    overlapSeconds: number;
  };
  /** Global seals over the log (libs/audit); both 0 turns sealing off. */
  audit: {
    /** Seal after this many unsealed events (0: no count trigger). */
    sealEveryEvents: number;
    /** Seal this long after the oldest unsealed event arrived (0: no timer). */
    sealEverySeconds: number;
  };
  /** Most verbose Nest log level printed: error | warn | log | debug. */
  logLevel: LogLevelName;
  /** What one partner may cost the hub (libs/ocpi transport). */
  limits: {
    /** Requests per second per partner, bursts up to twice that (0: no limit); beyond: 429. */
    partnerRequestsPerSecond: number;
    /** Refused writes recorded one event each per partner and minute; beyond, one counted summary. */
    rejectedEventsPerMinute: number;
  };
}

export type LogLevelName = 'silent' | 'error' | 'warn' | 'log' | 'debug';
export const LOG_LEVELS: Exclude<LogLevelName, 'silent'>[] = ['error', 'warn', 'log', 'debug'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\nSee .env.example.`);
    this.name = 'ConfigError';
  }
}

const EVENT_STORES: EventStoreKind[] = ['pglite', 'postgres', 'kurrentdb'];

/** Reads and validates the environment; reports every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RoamledgerConfig {
  const problems: string[] = [];
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };

  const portText = value('PORT') ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a TCP port number, got "${portText}"`);

  const publicUrl = (value('PUBLIC_URL') ?? `http://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(publicUrl)) problems.push(`PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);

  const eventStore = (value('EVENT_STORE') ?? 'pglite') as EventStoreKind;
  if (!EVENT_STORES.includes(eventStore)) {
    problems.push(`EVENT_STORE must be one of ${EVENT_STORES.join(', ')}, got "${eventStore}"`);
  }
  const databaseUrl = value('DATABASE_URL');
  if (eventStore === 'postgres' && !databaseUrl)
    problems.push('EVENT_STORE=postgres needs DATABASE_URL (postgresql://user@host:5432/db)');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must start with postgresql://');
  const kurrentdbUrl = value('KURRENTDB_URL');
  if (eventStore === 'kurrentdb' && !kurrentdbUrl)
    problems.push('EVENT_STORE=kurrentdb needs KURRENTDB_URL (kurrentdb://host:2113?tls=false)');

  const brokers = value('KAFKA_BROKERS')
    ?.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  for (const broker of brokers ?? []) {
    if (!/^[^\s:]+:\d+$/.test(broker)) problems.push(`KAFKA_BROKERS entries must be host:port, got "${broker}"`);
  }
  const kafka = brokers?.length
    ? {
        brokers,
        clientId: value('KAFKA_CLIENT_ID') ?? 'roamledger',
        topicPrefix: value('KAFKA_TOPIC_PREFIX') ?? 'roamledger.',
      }
    : undefined;

  const ocpiParties: OcpiPartyId[] = [];
  for (const party of (value('OCPI_PARTIES') ?? 'NL*RLG').split(',').map((p) => p.trim())) {
    const match = /^([A-Z]{2})\*([A-Z0-9]{3})(?:=([^=]{1,100}))?$/.exec(party);
    const name = match?.[3]?.trim();
    if (match && !ocpiParties.some((known) => known.countryCode === match[1] && known.partyId === match[2]))
      ocpiParties.push({ countryCode: match[1], partyId: match[2], ...(name ? { name } : {}) });
    else
      problems.push(
        `OCPI_PARTIES entries must look like NL*RLG or NL*RLG=<business name> (country code * party id, each once), got "${party}"`,
      );
  }

  const logLevel = (value('LOG_LEVEL') ?? 'log') as LogLevelName;
  if (logLevel !== 'silent' && !LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of silent, ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const billingTimeZone = value('BILLING_TIME_ZONE') ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: billingTimeZone });
  } catch {
    problems.push(`BILLING_TIME_ZONE must be an IANA time zone such as Europe/Berlin, got "${billingTimeZone}"`);
  }
  const number = (name: string, fallback: number, wholeNumber = false) => {
    const text = value(name);
    if (text === undefined) return fallback;
    const parsed = Number(text);
    if (!Number.isFinite(parsed) || parsed < 0 || (wholeNumber && !Number.isInteger(parsed))) {
      problems.push(`${name} must be a ${wholeNumber ? 'whole number' : 'number'} >= 0, got "${text}"`);
    }
    return parsed;
  };
  const billingCdrDueHours = number('BILLING_CDR_DUE_HOURS', 48);
  const pricingToleranceMinorUnits = number('PRICING_TOLERANCE', 1, true);
  const pull = {
    intervalSeconds: number('PULL_INTERVAL_SECONDS', 900),
    firstLookbackDays: number('PULL_FIRST_LOOKBACK_DAYS', 30),
    overlapSeconds: number('PULL_OVERLAP_SECONDS', 300),
  };
  const audit = {
    sealEveryEvents: number('AUDIT_SEAL_EVERY_EVENTS', 1000, true),
    sealEverySeconds: number('AUDIT_SEAL_EVERY_SECONDS', 60, true),
  };

  const limits = {
    partnerRequestsPerSecond: number('PARTNER_RATE_LIMIT', 200),
    rejectedEventsPerMinute: number('REJECTED_EVENTS_PER_MINUTE', 60, true),
  };

  if (problems.length) throw new ConfigError(problems);
  return {
    port,
    publicUrl,
    dataDir: path.resolve(value('DATA_DIR') ?? './data'),
    eventStore,
    databaseUrl,
    kurrentdbUrl,
    kafka,
    ocpiParties,
    adminApiKey: value('ADMIN_API_KEY'),
    financeApiKey: value('FINANCE_API_KEY'),
    auditApiKey: value('AUDIT_API_KEY'),
    catalogApiKey: value('CATALOG_API_KEY'),
    appApiKey: value('APP_API_KEY'),
    partnerTokenKey: value('PARTNER_TOKEN_KEY'),
    billingTimeZone,
    billingCdrDueHours,
    pricingToleranceMinorUnits,
    pull,
    audit,
    logLevel,
    limits,
  };
}

/** DI token for the loaded RoamledgerConfig. */
export const ROAMLEDGER_CONFIG = Symbol('ROAMLEDGER_CONFIG');
