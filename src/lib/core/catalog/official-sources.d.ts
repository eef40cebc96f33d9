/** Types of official-sources.js (plain JavaScript so svelte.config.js can import it). */
export declare const CATALOG_URLS: Readonly<{
  kev: string;
  epss: string;
  eol: string;
  wesng: string;
  osv: string;
}>;
export declare function mirrorOrigin(mirror: string | undefined): string | undefined;
export declare function catalogUrl(url: string, mirror: string | undefined): string;
export declare function catalogOrigins(mirror?: string): string[];
