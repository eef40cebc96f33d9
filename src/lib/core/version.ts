/** The app's version, as in package.json (a unit test keeps the two equal); stamped into backups. */
export const APP_VERSION = '0.1.0';
