import { type DynamicModule, Global, Module } from '@nestjs/common';
import { MODULE_DESCRIPTORS, type ModuleDescriptor } from './module-descriptor';

/** Makes the deployment's module descriptors known to every module of the process (MODULE_DESCRIPTORS). */
@Global()
@Module({})
export class ModuleKit {
  static forRoot(modules: readonly ModuleDescriptor[]): DynamicModule {
    return {
      module: ModuleKit,
      providers: [{ provide: MODULE_DESCRIPTORS, useValue: modules }],
      exports: [MODULE_DESCRIPTORS],
    };
  }
}
