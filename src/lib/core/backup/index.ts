export * from './format';
export * from './content';
