/** The one public surface of core: pure TypeScript shared by the Web Worker, the CLI and tests. */
export * from './model';
export * from './parsers';
export * from './catalog';
export * from './engine';
export * from './report';
export * from './json';
export * from './versions';
export * from './backup';
export * from './version';
