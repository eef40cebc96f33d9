import { rgb, type RGB } from 'pdf-lib';
import type { Severity } from '../model';

/** PDF points per millimetre. */
export const MM = 72 / 25.4;

export type PageSizeName = 'A4' | 'Letter';

/** ISO 216 A4 and ANSI US Letter, in points (width × height, portrait). */
export const PAGE_SIZES: Record<PageSizeName, readonly [number, number]> = {
  A4: [595.28, 841.89],
  Letter: [612, 792]
};

/** Modular type scale (points): caption, table, body, lead, heading, title, cover. */
export const TYPE = {
  caption: 8,
  small: 9,
  body: 10,
  lead: 12,
  heading: 16,
  title: 24,
  display: 32
} as const;

/** Spacing on a 4-point grid (DESIGN.md's 4 px grid, in points on paper). */
export const SPACE = (steps: number): number => steps * 4;

const hex = (value: string): RGB => {
  const n = Number.parseInt(value.slice(1), 16);
  return rgb(((n >> 16) & 0xff) / 255, ((n >> 8) & 0xff) / 255, (n & 0xff) / 255);
};

/**
 * The report's colours. Text colours keep a contrast of at least 4.5:1 on white and on the zebra fill.
 * Colour only ever repeats what a label already says, so the report reads the same printed in grey.
 */
export interface Palette {
  /** The MSP's brand colour; a deep blue by default. */
  accent: RGB;
  accentTint: RGB;
  ink: RGB;
  muted: RGB;
  hairline: RGB;
  zebra: RGB;
  white: RGB;
  good: RGB;
  behind: RGB;
  unknown: RGB;
  severity: Record<Severity, RGB>;
}

export function createPalette(accent = '#1E3A6E'): Palette {
  return {
    accent: hex(accent),
    accentTint: hex('#E9EEF5'),
    ink: hex('#1F2933'),
    muted: hex('#56616B'),
    hairline: hex('#CDD4DB'),
    zebra: hex('#F3F5F8'),
    white: hex('#FFFFFF'),
    good: hex('#2E6B34'),
    behind: hex('#B23A0B'),
    unknown: hex('#4B5563'),
    // A dark red → orange → amber → blue → slate ramp: told apart by hue for most colour-vision types and by
    // lightness in grey, and always printed beside its label.
    severity: {
      critical: hex('#8E1B1B'),
      high: hex('#B84207'),
      medium: hex('#8A5A00'),
      low: hex('#1F5FBF'),
      info: hex('#5A6573')
    }
  };
}

export const SEVERITY_LABELS: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Informational'
};

/** Page geometry: about 18 mm margins, a running header band and a footer band inside them. */
export interface PageGeometry {
  width: number;
  height: number;
  marginX: number;
  marginTop: number;
  marginBottom: number;
  /** Space reserved below the top margin for the running header. */
  headerBand: number;
  /** Space reserved above the bottom margin for the footer. */
  footerBand: number;
}

export function pageGeometry(size: PageSizeName): PageGeometry {
  const [width, height] = PAGE_SIZES[size];
  return {
    width,
    height,
    marginX: 18 * MM,
    marginTop: 14 * MM,
    marginBottom: 12 * MM,
    headerBand: SPACE(7),
    footerBand: SPACE(7)
  };
}
