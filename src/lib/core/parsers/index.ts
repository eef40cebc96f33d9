export * from './kb';
export * from './windows-os';
export * from './decode';
export * from './detect';
export * from './registry';
export { createNessusParser, parseNessus, sniffNessus } from './nessus';
export { parseSystemInfo, sniffSystemInfo } from './systeminfo';
