/**
 * The console's security headers, the same locally and behind CloudFront: files only (no
 * inline script or style), calls only to its own origin and the named sign-in and API origins,
 * never framed.
 */
export const consoleContentSecurityPolicy = (elsewhere: readonly string[] = []): string =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...elsewhere].join(' ')}`,
    `form-action ${["'self'", ...elsewhere].join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
