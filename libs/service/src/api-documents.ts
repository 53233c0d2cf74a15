import { applyDecorators, type INestApplication, SetMetadata } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ApiBearerAuth, ApiTags, DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** One OpenAPI document of our own APIs (the OCPI routes are described by the OCPI OpenAPI). */
export interface ApiDocumentSpec {
  /** The tag of its operations and the name of its bearer scheme's key, e.g. `finance`. */
  name: string;
  /** Where it is served: JSON at `<path>`, the browsable page at `<path>/ui`. */
  path: string;
  title: string;
  description: string;
  /** What the bearer token of its routes is. */
  keyDescription: string;
}

const API_DOCUMENT = 'roamledger:api-document';

/** The version of OpenAPI our documents declare. */
export const OPENAPI_VERSION = '3.1.0';

/** Puts every route of a controller in that document, behind its bearer key. */
export function ApiDocument(spec: ApiDocumentSpec): ClassDecorator {
  return applyDecorators(SetMetadata(API_DOCUMENT, spec), ApiTags(spec.name), ApiBearerAuth(keyName(spec)));
}

const keyName = (spec: ApiDocumentSpec) => `${spec.name}Key`;

/** The documents the controllers of this application are in. */
export function apiDocumentSpecs(app: INestApplication): ApiDocumentSpec[] {
  const specs = new Map<string, ApiDocumentSpec>();
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    for (const { metatype } of module.controllers.values()) {
      const spec: ApiDocumentSpec | undefined = metatype ? Reflect.getMetadata(API_DOCUMENT, metatype) : undefined;
      if (spec) specs.set(spec.name, spec);
    }
  }
  return [...specs.values()];
}

/** One document, generated from the decorators of its controllers and their DTO classes. */
export function apiDocument(app: INestApplication, spec: ApiDocumentSpec): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion(OPENAPI_VERSION)
    .setTitle(spec.title)
    .setDescription(spec.description)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: spec.keyDescription }, keyName(spec))
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // The scan covers every controller: keep the operations tagged with this document.
  const paths: OpenAPIObject['paths'] = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const operations = Object.entries(item).filter(
      ([, operation]) => typeof operation === 'object' && operation?.tags?.includes(spec.name),
    );
    if (operations.length > 0) paths[path] = Object.fromEntries(operations);
  }
  return { ...document, paths, components: usedComponents(document.components, paths) };
}

/** Schemas the kept paths reference (directly or through other schemas), and the security schemes. */
function usedComponents(components: OpenAPIObject['components'], paths: OpenAPIObject['paths']) {
  const schemas = components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown) => {
    for (const match of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (used.has(match[1])) continue;
      used.add(match[1]);
      visit(schemas[match[1]]);
    }
  };
  visit(paths);
  return {
    ...components,
    schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))),
  };
}

/**
 * Serves each document as JSON at its path and as a browsable page (Swagger UI) at `<path>/ui`.
 * Both are public: they describe the API and hold no data.
 */
export function serveApiDocuments(app: INestApplication): void {
  for (const spec of apiDocumentSpecs(app)) {
    // Generated at the first request, not at start.
    SwaggerModule.setup(`${spec.path}/ui`, app, () => apiDocument(app, spec), {
      jsonDocumentUrl: spec.path,
      raw: ['json'],
      customSiteTitle: spec.title,
    });
  }
}
