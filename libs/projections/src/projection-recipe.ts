import type { Projection } from './projection';

/**
 * How to make a projection in another thread: a Projection holds functions, which do not cross
 * to a worker, so the worker calls the same factory with the same (cloneable) arguments.
 */
export interface ProjectionRecipe {
  /** Absolute path of the module that exports the factory (`require.resolve('./x.projection')`). */
  module: string;
  /** The factory's exported name. */
  factory: string;
  args: unknown[];
}

/** A recipe for `factory(...args)`; throws unless `module` exports `factory` under its own name. */
export function projectionRecipe<A extends unknown[]>(
  module: string,
  factory: (...args: A) => Projection,
  ...args: A
): ProjectionRecipe {
  if (require(module)[factory.name] !== factory) throw new Error(`${module} does not export ${factory.name}`);
  return { module, factory: factory.name, args };
}

export function projectionFromRecipe(recipe: ProjectionRecipe): Projection {
  const factory = require(recipe.module)[recipe.factory];
  if (typeof factory !== 'function') throw new Error(`${recipe.module} does not export ${recipe.factory}`);
  return factory(...recipe.args);
}
