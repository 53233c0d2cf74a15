export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb-event-store';
export {
  CHAIN_METADATA_KEY,
  CHECKPOINT_STREAM_PREFIX,
  type ChainMetadata,
  checkpointStreamName,
  splitMetadata,
} from './kurrentdb-mapping';
