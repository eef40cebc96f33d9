export * from './problem';
export * from './observation';
export * from './engagement';
export * from './results';
export * from './gaps';
