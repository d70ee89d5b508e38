/** Facts about the loopback bridge that the renderer and the server must agree on. */
export const BRIDGE_PATHS = {
  rpc: '/rpc',
  upload: '/upload',
  pdf: '/pdf',
} as const;

/** Header carrying the per-run token on plain HTTP requests (uploads, PDF rendering). */
export const TOKEN_HEADER = 'x-hyper2kvm-token';
