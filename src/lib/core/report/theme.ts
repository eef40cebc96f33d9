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

export const DEFAULT_ACCENT = '#1E3A6E';

/** Relative luminance (WCAG) of a #rrggbb colour. */
function luminance(c: readonly [number, number, number]): number {
  const lin = c.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)) as [
    number,
    number,
    number
  ];
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

function channels(value: string): [number, number, number] {
  const n = Number.parseInt(value.slice(1), 16);
  return [((n >> 16) & 0xff) / 255, ((n >> 8) & 0xff) / 255, (n & 0xff) / 255];
}

/**
 * The MSP's brand colour as the report can use it: a valid #rrggbb, darkened until text in it keeps a 4.5:1
 * contrast on white (a light brand colour still brands the report, and stays readable).
 */
export function readableAccent(value: string | undefined): [number, number, number] {
  let c = /^#[0-9a-f]{6}$/i.test(value ?? '') ? channels(value!) : channels(DEFAULT_ACCENT);
  for (let i = 0; i < 40 && 1.05 / (luminance(c) + 0.05) < 4.5; i++) {
    c = c.map((v) => v * 0.92) as [number, number, number];
  }
  return c;
}

export function createPalette(accent: string = DEFAULT_ACCENT): Palette {
  const a = readableAccent(accent);
  // A tint of the accent for bands and notes: 10 % of the colour on white.
  const tint = a.map((v) => 1 - (1 - v) * 0.1) as [number, number, number];
  return {
    accent: rgb(a[0], a[1], a[2]),
    accentTint: rgb(tint[0], tint[1], tint[2]),
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
