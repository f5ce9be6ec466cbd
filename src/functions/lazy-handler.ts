/**
 * The exported Lambda handler of a function module: it wires the real dependencies (configuration
 * read and validated, SDK clients built) on the first invocation and keeps them for the life of the
 * execution environment. Importing a handler module therefore runs nothing, so tests import it
 * freely and pass their own dependencies to `makeHandler`. A bad configuration fails the first
 * invocation, listing every problem.
 */
export function lazyHandler<Event, Context, Result>(
  build: () => (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  let handler: ((event: Event, context: Context) => Promise<Result>) | undefined;
  return async (event, context) => {
    handler ??= build();
    return handler(event, context);
  };
}
