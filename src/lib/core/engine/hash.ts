/** FNV-1a, 52 bits kept: a short, stable, dependency-free id for the same inputs on every runtime. Not for security. */
export function stableId(prefix: string, text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `${prefix}${h1.toString(36).padStart(7, '0')}${(h2 & 0xfffff).toString(36).padStart(4, '0')}`;
}
