/**
 * Which methods each registered path accepts, so an unknown method on a known path can be told
 * apart from an unknown path (405 with `Allow` instead of 404).
 */
export class RouteMethods {
  private readonly routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];

  add(url: string, methods: string | readonly string[]): void {
    const pattern = new RegExp(
      `^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`,
    );
    let entry = this.routes.find((route) => route.pattern.source === pattern.source);
    if (!entry) {
      entry = { pattern, methods: new Set() };
      this.routes.push(entry);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods)
      entry.methods.add(method);
  }

  /** The methods allowed on this path, or an empty list when no route has the path. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes) {
      if (route.pattern.test(path)) for (const method of route.methods) methods.add(method);
    }
    return [...methods].sort();
  }
}
