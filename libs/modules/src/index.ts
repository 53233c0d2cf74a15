export * from './roamledger-modules';
export * from './roamledger-services';
