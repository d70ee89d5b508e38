/**
 * The helper's version, reported by app.hello. It is a constant rather than read from
 * package.json because the packaged helper runs from resources/ with no package.json next to it;
 * a unit test keeps the two equal.
 */
export const HELPER_VERSION = '0.1.0';
