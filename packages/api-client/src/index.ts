// @voelgoed/api-client: the one TypeScript client of the VoelgoedEvents API, shared by the
// organiser app, the scanner and integrators (docs/api-clients-typescript.md). Consumed from
// source by Vite; the types come from `npm run gen:api` (src/schema.d.ts, never edited by hand).
export { createApiClient, authMiddleware, unwrap, errorOf, readCookie, CSRF_COOKIE, CSRF_HEADER } from './client';
export type { ApiClient, ApiClientOptions, Auth, DataOf } from './client';
export type { Middleware } from 'openapi-fetch';
export { ApiError, NetworkError, problemOf } from './problem';
export type { FieldError, Problem } from './problem';
export type * from './types';
export type { paths, operations, components } from './schema';
