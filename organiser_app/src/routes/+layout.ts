// A client-only SPA: the backend serves build/index.html for every /app/* path.
export const ssr = false;
export const prerender = false;
