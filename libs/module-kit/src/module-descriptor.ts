import type { DynamicModule, Type } from '@nestjs/common';
import type { Decider } from '@roamledger/kernel';
import type { InterfaceRole, ModuleID, PartyId } from '@roamledger/ocpi/values';
import type { ClassConstructor } from 'class-transformer';
import type { VersionRoutes } from './our-endpoints';

/** One OCPI endpoint a module offers in our version details. */
export interface EndpointOffer {
  identifier: ModuleID;
  role: InterfaceRole;
  /** Route path without the leading slash, as the controller declares it (its 2.2.1 route). */
  route: string;
  /**
   * The OCPI versions the module offers this endpoint in, with the route of each (`versionRoutes`);
   * absent: 2.2.1 only, at `route`. Our versions list and each version's details come from these.
   */
  versions?: VersionRoutes;
}

/** Streams a module owns: their name prefix, and the decider `audit state` folds them with. */
export interface StreamOwner {
  prefix: string;
  /** What one stream is, for people: "Session", "CDR". */
  aggregate: string;
  // biome-ignore lint/suspicious/noExplicitAny: each decider has its own command, event and state types.
  decider?: Decider<any, any, any>;
}

/** What a module's command made of one pulled object. */
export type PulledOutcome = { status: 'recorded' } | { status: 'unchanged' } | { status: 'rejected'; reason: string };

/**
 * A module whose objects are pulled from partners' Sender interfaces: which OCPI module to pull,
 * the class a pulled object must validate as, and the command (sent on the CommandBus, as the push
 * receiver sends it) that takes it. `options` carries the pulled object as the command's cause.
 */
export interface PullOffer<T = unknown, R = unknown> {
  module: ModuleID;
  objectClass: ClassConstructor<T>;
  command(object: T, options: PulledCommandOptions): object;
  outcome(result: R): PulledOutcome;
  /**
   * How the object arrives from a partner that speaks another version than the model's (2.1.1):
   * the class its wire object validates as, and its mapping to the model (libs/ocpi/src/v211).
   */
  versions?: Partial<Record<string, PulledWire<T>>>;
}

export interface PulledWire<T> {
  objectClass: ClassConstructor<object>;
  /**
   * How the wire object is read when validating it as `objectClass` is not all (2.3.0: its prices
   * mapped first, undocumented fields kept); absent: validated as `objectClass`.
   */
  // biome-ignore lint/suspicious/noExplicitAny: each version's wire class is its own type.
  read?(object: unknown): { ok: true; value: any } | { ok: false; errors: string[] };
  // biome-ignore lint/suspicious/noExplicitAny: each version's wire class is its own type.
  toModel(wire: any, context: { party: PartyId; tokenParty: PartyId }): T;
}

/** How a pulled object reaches a command: its cause and metadata, and nothing appended when nothing changed. */
export interface PulledCommandOptions {
  cause: { id?: string; type: string; data: unknown; metadata?: Record<string, unknown> };
  metadata: Record<string, unknown>;
  skipWhenNoEvents: true;
  pulled: true;
}

/**
 * Everything Roamledger needs to know about one module, written once in the module's library:
 * the version details, the pull registry, Kafka topics, `audit state`, the hub, the per-module
 * service and the deployment manifests are all derived from these.
 */
export interface ModuleDescriptor {
  /** The service name: apps/<name>/main.ts, the compose and Kubernetes service, the Kafka topic by default. */
  name: string;
  /** One line for people (manifests, README). */
  description: string;
  /** The Nest module that runs it. */
  nestModule: Type<unknown> | DynamicModule;
  /** HTTP route prefixes it serves (no leading slash): the proxy in front of the services routes them here. */
  routes: string[];
  /** How many copies of its service the manifests run, when not the usual two, and why. */
  replicas?: { count: number; why: string };
  /** The OCPI endpoints it offers in our version details. */
  endpoints?: EndpointOffer[];
  /** The streams it owns. */
  streams?: StreamOwner[];
  /** Kafka topic (after KAFKA_TOPIC_PREFIX) of its streams; default: `name`. */
  topic?: string;
  /** The event types it appends, for consumers. */
  eventTypes?: readonly string[];
  pull?: PullOffer;
}

/** The descriptors of every module of the deployment (not only those running in this process). */
export const MODULE_DESCRIPTORS = Symbol('MODULE_DESCRIPTORS');

/** Identity, typed: the one way a module writes its descriptor. */
export function defineModule<T, R>(descriptor: ModuleDescriptor & { pull?: PullOffer<T, R> }): ModuleDescriptor {
  return descriptor as ModuleDescriptor;
}
