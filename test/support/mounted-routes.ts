import type { Express } from 'express';

/** The parts of Express 5's router layers that say what is mounted (router 2.x). */
interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean | undefined> };
  handle?: { stack?: Layer[] };
  slash?: boolean;
  rawPath?: unknown;
}

/** `/accounts/:id` → `/accounts/{id}`; path syntax OpenAPI has no word for is kept, so it shows up as a mismatch. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Every operation an Express 5 app routes, as `METHOD /path/{param}`, found by walking its router
 * stack and the stacks of the routers mounted in it. A route registered with `all` and no explicit
 * method comes out as `* /path`, which no API description can match: register its methods.
 */
export function mountedOperations(app: Express): string[] {
  const operations: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
        for (const path of ([] as string[]).concat(layer.route.path)) {
          if (methods.length === 0) operations.push(`* ${openApiPath(prefix + path)}`);
          for (const method of methods) operations.push(`${method.toUpperCase()} ${openApiPath(prefix + path)}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, layer.slash || typeof layer.rawPath !== 'string' ? prefix : prefix + layer.rawPath);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...new Set(operations)].sort();
}
