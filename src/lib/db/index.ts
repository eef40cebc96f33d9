import { openDatabase, type PatchfieldDB } from './schema';

export * from './schema';
export * from './engagements';
export * from './imports';
export * from './catalog';
export * from './results';
export * from './settings';
export * from './decisions';
export * from './csv-presets';
export * from './photos';
export * from './backup';

let instance: PatchfieldDB | undefined;

/** The app's database, opened on first use (in the page and in the worker alike). */
export function getDb(): PatchfieldDB {
  instance ??= openDatabase();
  return instance;
}
export * from './engagement-settings';
