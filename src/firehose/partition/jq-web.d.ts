// jq-web 0.5.1 ships no types: the two calls jq-worker.ts makes of its WebAssembly build.
declare module 'jq-web/jq.wasm.js' {
  const jq: {
    raw(input: string, filter: string, flags?: string[]): string;
    promised: { raw(input: string, filter: string, flags?: string[]): Promise<string> };
  };
  export default jq;
}
