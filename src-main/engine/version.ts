import pkg from '../../package.json' with { type: 'json' };

export const ENGINE_NAME = 'NDIS Lab';
export const ENGINE_VERSION: string = pkg.version;

/** The pinned compiler package; part of every build cache key. */
export const CLANG_PACKAGE_VERSION: string = `@yowasp/clang ${pkg.dependencies['@yowasp/clang']}`;
