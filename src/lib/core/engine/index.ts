export * from './hash';
export * from './merge';
export * from './windows';
export * from './results';
export * from './settings';
