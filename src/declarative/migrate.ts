/**
 * `_format_version` 1.1 and 2.1 → 3.0, as Kong migrates them on load (kong/db/declarative/migrations/route_path.lua):
 * Kong 3.0 made regex paths explicit with a `~` prefix, so an old path with characters outside a plain path's
 * alphabet is a regex and gets the prefix; plain paths are normalized. Each change is reported as a warning.
 */
import type { PathSegment } from '../errors.ts';
import { isRecord } from './flatten.ts';
import type { IssueCollector } from './issues.ts';
import { normalizePath } from '../http/path.ts';

const PLAIN_PATH = /^[A-Za-z0-9.\-_~/%]*$/;

export function migrateRoutePath(path: string): string {
  if (path.startsWith('~')) return path;
  if (!PLAIN_PATH.test(path)) return `~${path}`;
  return normalizePath(path) ?? path;
}

export function migrateToV3(document: Record<string, unknown>, version: string, issues: IssueCollector): void {
  const migrateRoutes = (routes: unknown, base: readonly PathSegment[]) => {
    if (!Array.isArray(routes)) return;
    routes.forEach((route, i) => {
      if (!isRecord(route) || !Array.isArray(route.paths)) return;
      route.paths = route.paths.map((p: unknown, j: number) => {
        if (typeof p !== 'string') return p;
        const migrated = migrateRoutePath(p);
        if (migrated !== p) issues.warn([...base, i, 'paths', j], `format ${version}: path '${p}' read as '${migrated}' (Kong 3.0 format)`);
        return migrated;
      });
    });
  };
  migrateRoutes(document.routes, ['routes']);
  if (Array.isArray(document.services)) {
    document.services.forEach((s, i) => {
      if (isRecord(s)) migrateRoutes(s.routes, ['services', i, 'routes']);
    });
  }
}
