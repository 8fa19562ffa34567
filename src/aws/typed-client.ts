/** A service's typed in-process facade: each method calls the operation of that AWS name. */
export type Call = (operation: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Builds the facade over `call` from its method → operation table; the operation layer does all checking. */
export function typedClient<T>(methods: Record<keyof T & string, string>, call: Call): T {
  const api: Record<string, (input?: object) => Promise<unknown>> = {};
  for (const [method, operation] of Object.entries(methods)) {
    api[method] = (input = {}) => call(operation as string, input as Record<string, unknown>);
  }
  return api as unknown as T;
}
