/**
 * The MSRC part: which Windows security update (KB, fixed build) closes which CVE on which Windows product, with
 * MSRC's severity and whether the CVE was exploited. Built from the extracted tables in the catalog folder
 * (msrc/derived/msrc_products.csv, msrc_windows_cve_product_kb.csv.gz) and, optionally, official monthly CVRF 1.1
 * documents (the MSRC CVRF API's XML), which are read the same way and merged in.
 *
 * The CVSS vectors met on the way are returned beside the part for the CVSS part (one per CVE and vector).
 *
 * @see https://api.msrc.microsoft.com/cvrf/v3.0/swagger/v3/swagger.json (the CVRF API)
 * @see https://docs.oasis-open.org/csaf/csaf-cvrf/v1.2/csaf-cvrf-v1.2.html (CVRF element meanings)
 */
import { Gunzip } from 'fflate';
import type { ParseResult, Problem } from '../model';
import { cellAt, createCsvReader, tokenizeCsv, type CsvHeader, type CsvRow } from '../parsers/csv';
import { createXmlReader, type XmlElement } from '../parsers/xml-stream';
import type { MsrcPart, MsrcRow } from './parts';

export interface MsrcVector {
  cve: string;
  vector: string;
  source: 'msrc';
}

export interface MsrcBuildInput {
  /** msrc/derived/msrc_products.csv: product_id, product_name. */
  products: Uint8Array;
  /** msrc/derived/msrc_windows_cve_product_kb.csv.gz (gzip or plain CSV). */
  rows: Uint8Array;
  /** Official CVRF 1.1 monthly documents (XML), e.g. cvrfDocument-2026-Mar.xml. */
  cvrf?: { name: string; bytes: Uint8Array }[];
}

const CVE = /^CVE-\d{4}-\d{4,}$/;
const KB_DIGITS = /^(?:KB)?(\d{6,7})$/i;
const ISO_DAY = /^(\d{4}-\d{2}-\d{2})/;
const CHUNK_BYTES = 1 << 20;
const MAX_LINES = 5;

/** A row on its way into the part: its tuple, and the subtype that decides whether a security-only row is kept. */
interface Draft {
  row: MsrcRow;
  subtype: string;
  docId: string;
}

/** Rows skipped for one reason, with the first few lines. */
class Skipped {
  readonly groups = new Map<string, { count: number; lines: number[] }>();
  add(kind: string, line: number): void {
    let g = this.groups.get(kind);
    if (!g) {
      g = { count: 0, lines: [] };
      this.groups.set(kind, g);
    }
    g.count += 1;
    if (g.lines.length < MAX_LINES) g.lines.push(line);
  }
}

/**
 * Builds the MSRC part and the CVSS vectors it carries. Never throws: a wrong file gives an error problem (and
 * `undefined` when nothing usable is left); skipped rows are grouped per reason with their first lines.
 *
 * Compactness: a "Security Only" row is left out when the same month has a "Monthly Rollup" row for the same CVE
 * and product (Windows 7 to 8.1 and Server 2008 to 2012 R2 list both; the rollup is the one to recommend, and the
 * security-only KB stays known to the wesng part). Identical rows are kept once.
 */
export async function buildMsrcPart(
  input: MsrcBuildInput,
  source: string
): Promise<ParseResult<{ msrc: MsrcPart; vectors: MsrcVector[] } | undefined>> {
  const issues: Problem[] = [];
  const products = new Map<string, string>();
  const drafts: Draft[] = [];
  const vectors = new Map<string, MsrcVector>();

  readProducts(input.products, products, issues);
  readRows(input.rows, drafts, vectors, issues);
  for (const doc of input.cvrf ?? []) readCvrf(doc.name, doc.bytes, products, drafts, vectors, issues);

  if (drafts.length === 0) {
    issues.push({
      severity: 'error',
      code: 'msrc-empty',
      message:
        'No MSRC row could be read, so CVEs fixed by Windows updates are unknown. Choose msrc_windows_cve_product_kb.csv.gz (and msrc_products.csv) from the msrc/derived catalog folder.'
    });
    return { value: undefined, issues };
  }

  const rollups = new Set<string>();
  for (const d of drafts) {
    if (d.subtype === 'Monthly Rollup') rollups.add(`${d.row[0]}\u0001${d.row[1]}\u0001${d.docId}`);
  }
  const seen = new Set<string>();
  const rows: MsrcRow[] = [];
  let newest = '';
  for (const d of drafts) {
    if (d.subtype === 'Security Only' && rollups.has(`${d.row[0]}\u0001${d.row[1]}\u0001${d.docId}`))
      continue;
    const key = d.row.join('\u0001');
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push(d.row);
    if (d.row[6] > newest) newest = d.row[6];
  }
  rows.sort((a, b) =>
    a[6] !== b[6]
      ? a[6] < b[6]
        ? -1
        : 1
      : a[0] !== b[0]
        ? a[0] < b[0]
          ? -1
          : 1
        : a[1] < b[1]
          ? -1
          : a[1] > b[1]
            ? 1
            : 0
  );

  // Every product a row names is listed, with "" where no name is known, so ids always resolve.
  const used = new Set(rows.map((r) => r[1]));
  const productList: [string, string][] = [...used]
    .map((id): [string, string] => [id, products.get(id) ?? ''])
    .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : 1));
  const unnamed = productList.filter(([, name]) => name === '').length;
  if (unnamed > 0) {
    issues.push({
      severity: 'warning',
      code: 'msrc-unnamed-products',
      message: `${unnamed} product id${unnamed === 1 ? '' : 's'} in the MSRC rows ${unnamed === 1 ? 'is' : 'are'} not in msrc_products.csv, so ${unnamed === 1 ? 'it' : 'they'} cannot be matched to a computer. Import msrc_products.csv from the same catalog folder as the rows.`,
      count: unnamed
    });
  }

  const msrc: MsrcPart = {
    part: 'msrc',
    source,
    ...(newest ? { snapshotDate: newest } : {}),
    products: productList,
    rows
  };
  return { value: { msrc, vectors: [...vectors.values()] }, issues };
}

function readProducts(bytes: Uint8Array, products: Map<string, string>, issues: Problem[]): void {
  const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  const records = tokenizeCsv(text, ',');
  const header = records[0]?.cells.map((c) => c.trim().toLowerCase()) ?? [];
  const idCol = header.indexOf('product_id');
  const nameCol = header.indexOf('product_name');
  if (idCol < 0 || nameCol < 0) {
    issues.push({
      severity: 'error',
      code: 'msrc-products-wrong-file',
      message:
        'The MSRC product list is not msrc_products.csv: the columns product_id and product_name are missing, so products have no names and cannot be matched to computers. Choose msrc_products.csv from the msrc/derived catalog folder.',
      line: 1
    });
    return;
  }
  const skipped = new Skipped();
  for (const record of records.slice(1)) {
    const id = (record.cells[idCol] ?? '').trim();
    const name = (record.cells[nameCol] ?? '').trim();
    if (!id && !name) continue;
    if (!id || !name) {
      skipped.add('bad-product', record.line);
      continue;
    }
    products.set(id, name);
  }
  const g = skipped.groups.get('bad-product');
  if (g) {
    issues.push({
      severity: 'warning',
      code: 'msrc-bad-product',
      message: `${g.count} row${g.count === 1 ? '' : 's'} of msrc_products.csv lack a product id or name (line${g.lines.length === 1 ? '' : 's'} ${g.lines.join(', ')}) and were skipped.`,
      line: g.lines[0],
      count: g.count,
      lines: g.lines
    });
  }
}

function readRows(
  bytes: Uint8Array,
  drafts: Draft[],
  vectors: Map<string, MsrcVector>,
  issues: Problem[]
): void {
  const fileName = 'msrc_windows_cve_product_kb.csv';
  const skipped = new Skipped();
  let cols:
    | Record<
        'cve' | 'doc' | 'month' | 'product' | 'kb' | 'subtype' | 'fixed' | 'severity' | 'vector' | 'exploit',
        number
      >
    | undefined;
  let wrongHeader = false;
  const reader = createCsvReader({ delimiter: ',' }, (row: CsvRow, header: CsvHeader) => {
    if (!cols) {
      cols = {
        cve: header.column('cve'),
        doc: header.column('doc_id'),
        month: header.column('doc_initial_release'),
        product: header.column('product_id'),
        kb: header.column('kb'),
        subtype: header.column('subtype'),
        fixed: header.column('fixed_build'),
        severity: header.column('severity'),
        vector: header.column('cvss_vector'),
        exploit: header.column('exploit_status')
      };
      wrongHeader = cols.cve < 0 || cols.month < 0 || cols.product < 0 || cols.kb < 0;
    }
    if (wrongHeader) return;
    const c = cols;
    const cve = cellAt(row, c.cve).trim().toUpperCase();
    if (!CVE.test(cve)) {
      skipped.add(/^ADV\d+$/.test(cve) ? 'advisory' : 'bad-cve', row.line);
      return;
    }
    const month = ISO_DAY.exec(cellAt(row, c.month).trim())?.[1];
    if (!month) {
      skipped.add('bad-month', row.line);
      return;
    }
    const productId = cellAt(row, c.product).trim();
    if (!productId) {
      skipped.add('no-product', row.line);
      return;
    }
    const kb = KB_DIGITS.exec(cellAt(row, c.kb).trim());
    drafts.push({
      row: [
        cve,
        productId,
        kb ? `KB${kb[1]}` : '',
        cellAt(row, c.fixed).trim(),
        cellAt(row, c.severity).trim(),
        cellAt(row, c.exploit).includes('Exploited:Yes'),
        month
      ],
      subtype: cellAt(row, c.subtype).trim(),
      docId: cellAt(row, c.doc).trim() || month.slice(0, 7)
    });
    addVector(vectors, cve, cellAt(row, c.vector));
  });

  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let failure: string | undefined;
    const gunzip = new Gunzip((chunk) => {
      if (chunk.length > 0) reader.write(chunk);
    });
    try {
      for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
        const end = Math.min(offset + CHUNK_BYTES, bytes.length);
        gunzip.push(bytes.subarray(offset, end), end === bytes.length);
      }
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    if (failure) {
      issues.push({
        severity: 'error',
        code: 'msrc-gzip-damaged',
        message: `${fileName}.gz is damaged: it could not be unpacked to its end, so only the rows before the damage were read. Copy the file again from the catalog folder.`,
        detail: failure
      });
    }
  } else {
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      reader.write(bytes.subarray(offset, offset + CHUNK_BYTES));
    }
  }
  reader.end();

  const header = reader.header;
  if (
    !header ||
    wrongHeader ||
    (!cols && !(header.has('cve') && header.has('product_id') && header.has('kb')))
  ) {
    issues.push({
      severity: 'error',
      code: 'msrc-rows-wrong-file',
      message: header
        ? `The MSRC rows file is not ${fileName}: the columns cve, doc_initial_release, product_id and kb are expected. Choose msrc_windows_cve_product_kb.csv.gz from the msrc/derived catalog folder.`
        : `The MSRC rows file is empty or not CSV. Choose msrc_windows_cve_product_kb.csv.gz from the msrc/derived catalog folder.`,
      line: 1
    });
    return;
  }
  issues.push(...reader.issues);
  const reasons: Record<string, string> = {
    'bad-cve': 'have no valid CVE id',
    'bad-month': 'have no valid doc_initial_release date',
    'no-product': 'have no product_id'
  };
  for (const [kind, g] of skipped.groups) {
    if (kind === 'advisory') {
      issues.push({
        severity: 'info',
        code: 'msrc-advisories',
        message: `${g.count} row${g.count === 1 ? '' : 's'} of ${fileName} are Microsoft security advisories (ADV…), not CVEs; the MSRC part lists CVEs only, so they were left out.`,
        count: g.count
      });
      continue;
    }
    issues.push({
      severity: 'warning',
      code: `msrc-${kind}`,
      message: `${g.count} row${g.count === 1 ? '' : 's'} of ${fileName} ${reasons[kind] ?? 'could not be read'} (first at line${g.lines.length === 1 ? '' : 's'} ${g.lines.join(', ')}) and were skipped. If many rows are affected, copy the file again from the catalog folder.`,
      line: g.lines[0],
      count: g.count,
      lines: g.lines
    });
  }
}

function addVector(vectors: Map<string, MsrcVector>, cve: string, text: string): void {
  const vector = text.trim();
  if (vector.length < 8 || !CVE.test(cve)) return;
  const key = `${cve}\u0001${vector}`;
  if (!vectors.has(key)) vectors.set(key, { cve, vector, source: 'msrc' });
}

/** The local name of a prefixed element: "vuln:Remediation" → "Remediation". */
function local(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

/** The Windows products the extracted tables hold: the operating systems and what ships "on Windows Server". */
function isWindowsProduct(name: string): boolean {
  return name.startsWith('Windows') || name.includes('Windows Server');
}

interface Remediation {
  type: string;
  description: string;
  subType: string;
  fixedBuild: string;
  productIds: string[];
}

interface Vulnerability {
  cve: string;
  exploited: boolean;
  severity: Map<string, string>;
  vectors: string[];
  remediations: Remediation[];
}

/**
 * Reads one CVRF 1.1 document: the product tree, and per vulnerability its severity per product, exploit status,
 * CVSS vectors and "Vendor Fix" remediations (KB, products, fixed build, subtype). Streamed with saxes; no DTD is read.
 */
function readCvrf(
  name: string,
  bytes: Uint8Array,
  products: Map<string, string>,
  drafts: Draft[],
  vectors: Map<string, MsrcVector>,
  issues: Problem[]
): void {
  const docProducts = new Map<string, string>();
  let docId = '';
  let month = '';
  let vuln: Vulnerability | undefined;
  let threat: { type: string; description: string; productIds: string[] } | undefined;
  let scoreVector = '';
  let remediation: Remediation | undefined;
  let rows = 0;
  let missingMonth = false;

  const reader = createXmlReader({
    what: 'an MSRC CVRF document',
    remedy: `Download ${name} again from the MSRC CVRF API (https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/<month>).`,
    root(element: XmlElement) {
      if (local(element.name) === 'cvrfdoc') return undefined;
      return {
        severity: 'error',
        code: 'cvrf-wrong-root',
        message: `${name} is XML but not an MSRC CVRF document (its root is <${element.name}>, not <cvrfdoc>). Choose a cvrfDocument-YYYY-Mon.xml file.`,
        line: element.line
      };
    },
    open(element, ctx) {
      const tag = local(element.name);
      const parent = local(ctx.parent);
      switch (tag) {
        case 'ID':
        case 'InitialReleaseDate':
          if (parent === 'Identification' || parent === 'DocumentTracking') ctx.collect();
          return;
        case 'FullProductName':
          ctx.collect();
          return;
        case 'Vulnerability':
          vuln = { cve: '', exploited: false, severity: new Map(), vectors: [], remediations: [] };
          return;
        case 'Notes':
        case 'RevisionHistory':
        case 'Acknowledgments':
        case 'ProductStatuses':
          if (vuln) ctx.skip();
          return;
        case 'CVE':
          if (vuln) ctx.collect();
          return;
        case 'Threat':
          threat = { type: element.attributes.Type ?? '', description: '', productIds: [] };
          return;
        case 'Remediation':
          remediation = {
            type: element.attributes.Type ?? '',
            description: '',
            subType: '',
            fixedBuild: '',
            productIds: []
          };
          return;
        case 'ScoreSet':
          scoreVector = '';
          return;
        case 'Description':
        case 'ProductID':
        case 'Vector':
        case 'SubType':
        case 'FixedBuild':
          if (vuln) ctx.collect();
          return;
      }
    },
    close(element, text) {
      const tag = local(element.name);
      const value = (text ?? '').trim();
      switch (tag) {
        case 'ID':
          if (!docId && value) docId = value;
          return;
        case 'InitialReleaseDate':
          if (!month) month = ISO_DAY.exec(value)?.[1] ?? '';
          return;
        case 'FullProductName': {
          const id = element.attributes.ProductID;
          if (id && value) docProducts.set(id, value.replace(/\s+/g, ' '));
          return;
        }
        case 'CVE':
          if (vuln) vuln.cve = value.toUpperCase();
          return;
        case 'Description':
          if (remediation) remediation.description = value;
          else if (threat) threat.description = value;
          return;
        case 'ProductID':
          if (remediation) remediation.productIds.push(value);
          else if (threat) threat.productIds.push(value);
          return;
        case 'Vector':
          scoreVector = value;
          return;
        case 'ScoreSet':
          if (vuln && scoreVector) vuln.vectors.push(scoreVector);
          return;
        case 'SubType':
          if (remediation) remediation.subType = value;
          return;
        case 'FixedBuild':
          if (remediation) remediation.fixedBuild = value;
          return;
        case 'Threat':
          if (vuln && threat) {
            if (threat.type === 'Severity') {
              for (const id of threat.productIds) vuln.severity.set(id, threat.description);
            } else if (threat.type === 'Exploit Status' && threat.description.includes('Exploited:Yes')) {
              vuln.exploited = true;
            }
          }
          threat = undefined;
          return;
        case 'Remediation':
          if (vuln && remediation?.type === 'Vendor Fix') vuln.remediations.push(remediation);
          remediation = undefined;
          return;
        case 'Vulnerability':
          if (vuln) emit(vuln);
          vuln = undefined;
          return;
      }
    }
  });

  function emit(v: Vulnerability): void {
    if (!CVE.test(v.cve)) return;
    for (const vector of v.vectors) addVector(vectors, v.cve, vector);
    if (!month) {
      missingMonth = true;
      return;
    }
    for (const r of v.remediations) {
      const kb = KB_DIGITS.exec(r.description);
      for (const id of r.productIds) {
        const productName = docProducts.get(id) ?? products.get(id);
        if (!productName || !isWindowsProduct(productName)) continue;
        if (!products.has(id)) products.set(id, productName);
        drafts.push({
          row: [
            v.cve,
            id,
            kb ? `KB${kb[1]}` : '',
            r.fixedBuild,
            v.severity.get(id) ?? '',
            v.exploited,
            month
          ],
          subtype: r.subType,
          docId: docId || month.slice(0, 7)
        });
        rows += 1;
      }
    }
  }

  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
    reader.write(bytes.subarray(offset, offset + CHUNK_BYTES));
  }
  reader.end();
  for (const p of reader.issues) issues.push({ ...p, message: `${name}: ${p.message}` });
  if (missingMonth) {
    issues.push({
      severity: 'warning',
      code: 'cvrf-no-release-date',
      message: `${name} has no DocumentTracking/InitialReleaseDate, so its fixes cannot be dated and were left out. Download the document again from the MSRC CVRF API.`
    });
  } else if (!reader.failed && rows === 0) {
    issues.push({
      severity: 'info',
      code: 'cvrf-no-windows-fixes',
      message: `${name} lists no Windows security update (no "Vendor Fix" for a Windows product); nothing was added from it.`
    });
  }
}
