export * from './v230.dto';
export * from './v230.extensible';
export * from './v230.mapping';
export * from './v230.objects.dto';
