// The little of Bun's and Deno's globals that examples/bun.ts and examples/deno.ts use, so that
// `tsc --noEmit` checks them without @types/bun or Deno's types (large, and at odds with @types/node).
declare const Bun: {
  env: Record<string, string | undefined>;
  serve(options: { fetch(request: Request): Response | Promise<Response>; hostname?: string; port?: number }): { port: number };
};
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(
    options: { hostname?: string; port?: number; onListen?(address: { hostname: string; port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};
