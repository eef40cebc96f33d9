// A static single-page app: every page is a prerendered shell; all data lives in IndexedDB on the device.
export const ssr = false;
export const prerender = true;
export const trailingSlash = 'never';
