import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildCatalogFromFolder,
  buildReport,
  computeResults,
  decodeCatalogBundle,
  encodeCatalogBundle,
  partRecords,
  resolveSettings,
  resultsJson,
  type ScannerRule,
  engagementSchema,
  FORMAT_LABELS,
  SEVERITIES,
  type ImportCounts,
  type Problem,
  type SourcedHost
} from '../lib/core';
import { catalogFolder, isFile, loadCatalogFrom, readExport, reportFonts, type ReadFileResult } from './io';
import { version } from './version';
import { versionsCommand } from './versions';

const USAGE = `Patchfield ${version} — patch assessments from scanner and inventory exports

Usage:
  patchfield inspect <file> [--json]
      Detect a file's format and count what it holds. Exit 0 when read (warnings allowed),
      2 when the format is not supported or the file cannot be read.
  patchfield assess <files...> --catalog <bundle-or-dir> [--as-of YYYY-MM-DD] [--engagement settings.json]
      [--json results.json] [--out report.pdf]
      [--client NAME] [--site SITE] [--technician NAME] [--msp NAME] [--page-size A4|Letter] [--generated-at ISO]
      Merge the files into assets, find the patch gaps, prioritise them under the engagement's policy,
      plan the remediation, and write the same results JSON and PDF as the app.
  patchfield catalog build --from <dir> --out catalog.bundle [--built-at ISO]
      Build the reference catalog bundle technicians import, from the official files in a folder
      (KEV, EPSS, endoflife.date, Windows builds, wesng, MSRC, OSV, Vulnrichment).
  patchfield catalog info <catalog.bundle>
      List the parts of a bundle with their sources, snapshot dates and record counts.
  patchfield versions --scheme dpkg|rpm|semver|windows < pairs.tsv
      Print the sign of compare(a, b) (-1, 0 or 1) for each "a<TAB>b" line on stdin.
  patchfield --version
`;

type Exit = 0 | 1 | 2;

function fail(message: string, code: Exit = 2): Exit {
  process.stderr.write(`patchfield: ${message}\n`);
  return code;
}

function printProblems(file: string, problems: Problem[]): void {
  for (const p of problems) {
    const where = p.line ? ` line ${p.line}` : '';
    process.stderr.write(`${file}${where}: ${p.severity}: ${p.message}\n`);
  }
}

async function inspect(args: string[]): Promise<Exit> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' } },
    allowPositionals: true
  });
  const path = positionals[0];
  if (!path || positionals.length > 1) return fail('inspect takes exactly one file.\n\n' + USAGE);
  if (!isFile(path)) return fail(`${path}: no such file.`);
  const name = basename(path);
  let results: ReadFileResult[];
  try {
    results = await readExport(path, name, false);
  } catch (e) {
    return fail(`${name} could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const archive = results.length !== 1 || results[0]!.file !== name;
  const json = (r: ReadFileResult) => ({
    file: r.file,
    format: r.format,
    formatVersion: r.formatVersion ?? null,
    counts: r.counts,
    assets: r.hosts.map((h) => ({
      hostname: h.hostname ?? h.fqdn ?? h.key,
      ips: h.ips,
      os: { name: h.os?.name ?? null, build: h.os?.build ?? null }
    })),
    problems: r.problems.map((p) => ({
      severity: p.severity,
      message: p.message,
      line: p.line ?? null,
      ...(p.count ? { count: p.count, lines: p.lines ?? [] } : {})
    }))
  });
  // A zip of several exports: one entry per file, and the counts summed.
  const out = archive
    ? {
        file: name,
        format: 'zip',
        formatVersion: null,
        counts: sumCounts(results.filter((r) => r.format !== null).map((r) => r.counts)),
        assets: results.flatMap((r) => json(r).assets),
        problems: results.flatMap((r) =>
          json(r).problems.map((p) => ({ ...p, message: `${r.file}: ${p.message}` }))
        ),
        entries: results.map(json)
      }
    : json(results[0]!);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const r of results) {
      const c = r.counts;
      process.stdout.write(
        `${r.file}: ${r.format ? FORMAT_LABELS[r.format] : 'not a supported format'}\n` +
          `  ${c.assets} assets, ${c.findings} findings, ${c.installedUpdates} installed updates, ${c.software} software, ${c.pendingUpdates} pending updates\n`
      );
    }
  }
  const readable = results.filter((r) => r.format && !r.problems.some((p) => p.severity === 'error'));
  for (const r of results)
    printProblems(
      r.file,
      r.problems.filter((p) => p.severity === 'error')
    );
  // A single file: exit 2 when it could not be read. An archive: exit 2 only when none of its files could.
  return (archive ? readable.length > 0 : readable.length === 1) ? 0 : 2;
}

function sumCounts(list: ImportCounts[]): ImportCounts {
  const total: ImportCounts = { assets: 0, findings: 0, installedUpdates: 0, software: 0, pendingUpdates: 0 };
  for (const c of list) {
    total.assets += c.assets;
    total.findings += c.findings;
    total.installedUpdates += c.installedUpdates;
    total.software += c.software;
    total.pendingUpdates += c.pendingUpdates;
    if (c.bySeverity) {
      total.bySeverity ??= { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
      for (const k of SEVERITIES) total.bySeverity[k] += c.bySeverity[k];
    }
  }
  return total;
}

async function assess(args: string[]): Promise<Exit> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      catalog: { type: 'string' },
      'as-of': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      client: { type: 'string' },
      site: { type: 'string' },
      technician: { type: 'string' },
      msp: { type: 'string' },
      'page-size': { type: 'string' },
      'generated-at': { type: 'string' },
      engagement: { type: 'string' }
    }
  });
  if (positionals.length === 0) return fail('assess needs at least one file.\n\n' + USAGE);
  if (!values.catalog) {
    return fail(
      'assess needs --catalog <bundle-or-dir> (a bundle from "patchfield catalog build", or the catalog folder).'
    );
  }
  const asOf = values['as-of'] ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) return fail(`--as-of must be a date as YYYY-MM-DD, not "${asOf}".`);
  const pageSize = values['page-size'] ?? 'A4';
  if (pageSize !== 'A4' && pageSize !== 'Letter') return fail('--page-size is A4 or Letter.');

  let settingsInput: unknown = undefined;
  if (values.engagement) {
    if (!isFile(values.engagement)) return fail(`${values.engagement}: no such file.`);
    try {
      settingsInput = JSON.parse(readFileSync(values.engagement, 'utf8'));
    } catch (e) {
      return fail(`${values.engagement} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
    }
  }
  const resolved = resolveSettings(settingsInput);
  printProblems(values.engagement ?? 'settings', resolved.issues);
  if (!resolved.value) return 2;
  const settings = resolved.value;

  const { catalog, problems: catalogProblems } = await loadCatalogFrom(values.catalog);
  printProblems(values.catalog, catalogProblems);
  if (catalogProblems.some((p) => p.severity === 'error')) return 2;

  const hosts: SourcedHost[] = [];
  const rules = new Map<string, ScannerRule>();
  const ruleKey = (fileId: string, ruleId: string): string => `${fileId}\u0000${ruleId}`;
  const files = [];
  let failed = 0;
  for (const [i, path] of positionals.entries()) {
    if (!isFile(path)) return fail(`${path}: no such file.`);
    for (const [j, read] of (await readExport(path, basename(path), true)).entries()) {
      printProblems(read.file, read.problems);
      if (!read.format || read.problems.some((p) => p.severity === 'error')) {
        failed += 1;
        continue;
      }
      const fileId = j === 0 ? `cli-file-${i + 1}` : `cli-file-${i + 1}.${j}`;
      files.push({ id: fileId, name: read.file, format: read.format });
      for (const host of read.hosts) hosts.push({ fileId, fileName: read.file, format: read.format, host });
      for (const rule of read.rules) rules.set(ruleKey(fileId, rule.ruleId), rule);
    }
  }
  if (files.length === 0) return fail('none of the files could be read.');

  const results = computeResults({
    engagementId: 'cli',
    asOf,
    files,
    hosts,
    catalog,
    rules,
    ruleKey,
    settings
  });
  if (values.json) writeFileSync(values.json, `${resultsJson(results)}\n`);
  if (values.out) {
    const stamp = values['generated-at'] ?? new Date().toISOString();
    const engagement = engagementSchema.parse({
      id: 'cli',
      clientName: values.client ?? 'Client',
      site: values.site ?? '',
      contact: '',
      technician: values.technician ?? '',
      visitDate: asOf,
      notes: '',
      createdAt: stamp,
      updatedAt: stamp
    });
    const report = await buildReport(
      { engagement, results, mspName: values.msp ?? 'Patchfield', generatedAt: stamp, pageSize },
      reportFonts()
    );
    writeFileSync(values.out, report.bytes);
    if (report.missingGlyphs.length > 0) {
      process.stderr.write(
        `patchfield: these characters have no glyph in the report fonts: ${report.missingGlyphs.join(' ')}\n`
      );
    }
  }
  const t = results.totals;
  const g = results.gaps.length;
  process.stdout.write(
    `${t.assets} assets: ${t.upToDate} up to date, ${t.behind} behind, ${t.unknown} unknown` +
      (t.maxMonthsBehind !== null ? `; furthest behind ${t.maxMonthsBehind} months` : '') +
      `\n${g} gap${g === 1 ? '' : 's'} (${t.gaps.critical} critical, ${t.kevGaps} known exploited, ${t.endOfLife} end of life); ` +
      `grade ${results.score.grade} (${results.score.score}/100); ${results.waves.length} wave${results.waves.length === 1 ? '' : 's'}` +
      (results.misses.length > 0
        ? `, ${results.misses.length} due date${results.misses.length === 1 ? '' : 's'} missed`
        : '') +
      '\n'
  );
  return failed > 0 ? 1 : 0;
}

async function catalogCommand(args: string[]): Promise<Exit> {
  const [sub, ...rest] = args;
  if (sub === 'build') {
    const { values } = parseArgs({
      args: rest,
      options: { from: { type: 'string' }, out: { type: 'string' }, 'built-at': { type: 'string' } }
    });
    if (!values.from || !values.out)
      return fail('catalog build needs --from <dir> and --out <file>.\n\n' + USAGE);
    if (!existsSync(values.from) || isFile(values.from)) return fail(`${values.from} is not a folder.`);
    const started = performance.now();
    const built = await buildCatalogFromFolder(catalogFolder(values.from), (part, i, n) =>
      process.stderr.write(`[${i + 1}/${n}] ${part}\n`)
    );
    for (const p of built.problems) {
      process.stderr.write(`${p.part ?? 'catalog'}: ${p.severity}: ${p.message}\n`);
    }
    if (built.parts.length === 0) return fail(`no catalog files found in ${values.from}.`);
    const bytes = encodeCatalogBundle(built.parts, values['built-at'] ?? new Date().toISOString());
    writeFileSync(values.out, bytes);
    for (const part of built.parts) {
      process.stdout.write(
        `${part.part.padEnd(15)} ${String(partRecords(part)).padStart(8)} records` +
          `${part.snapshotDate ? `  snapshot ${part.snapshotDate}` : ''}  from ${part.source}\n`
      );
    }
    for (const m of built.missing)
      process.stdout.write(`${m.padEnd(15)} missing: no source file in the folder\n`);
    process.stdout.write(
      `${values.out}: ${(bytes.length / 1e6).toFixed(1)} MB, ${built.parts.length} parts, built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`
    );
    return built.problems.some((p) => p.severity === 'error') || built.missing.length > 0 ? 1 : 0;
  }
  if (sub === 'info') {
    const path = rest[0];
    if (!path || !isFile(path)) return fail('catalog info needs a bundle file.');
    const decoded = decodeCatalogBundle(new Uint8Array(readFileSync(path)), basename(path));
    printProblems(path, decoded.issues);
    if (!decoded.value) return 2;
    process.stdout.write(`built ${decoded.value.manifest.builtAt}\n`);
    for (const p of decoded.value.manifest.parts) {
      process.stdout.write(
        `${p.part.padEnd(15)} ${String(p.records).padStart(8)} records${p.snapshotDate ? `  snapshot ${p.snapshotDate}` : ''}  from ${p.source}\n`
      );
    }
    return decoded.issues.some((p) => p.severity === 'error') ? 2 : 0;
  }
  return fail('catalog takes "build" or "info".\n\n' + USAGE);
}

export async function main(argv: string[]): Promise<Exit> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (command === 'inspect') return inspect(rest);
  if (command === 'assess') return assess(rest);
  if (command === 'catalog') return catalogCommand(rest);
  if (command === 'versions') return versionsCommand(rest, process.stdin, process.stdout, process.stderr);
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  return fail(`unknown command "${command}".\n\n${USAGE}`);
}
