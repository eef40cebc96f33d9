import { z } from 'zod';
import { countsBySeveritySchema, fileFormatSchema } from './observation';
import { problemSchema } from './problem';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** How an encrypted engagement's key is derived from its passphrase and checked; never the key itself. */
export type EngagementEncryption = z.infer<typeof engagementEncryptionSchema>;
export const engagementEncryptionSchema = z.object({
  kdf: z.literal('PBKDF2-SHA-256'),
  params: z.object({ iterations: z.number().int().min(100_000) }),
  /** Base64 of 16 random bytes. */
  salt: z.string().min(1),
  /** A known text encrypted with the key: a wrong passphrase is told apart without reading any data. */
  verifier: z.object({ iv: z.string().min(1), data: z.string().min(1) })
});

export type Engagement = z.infer<typeof engagementSchema>;
export const engagementSchema = z.object({
  id: z.string().min(1),
  clientName: z.string().trim().min(1, 'Enter the client’s name'),
  site: z.string(),
  contact: z.string(),
  technician: z.string(),
  visitDate: isoDate,
  notes: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Present when the engagement is encrypted at rest with a passphrase (src/lib/db/crypto). */
  encryption: engagementEncryptionSchema.optional(),
  /** When the engagement was last exported to a backup file; absent until the first export. */
  lastExportedAt: z.string().optional()
});

/** What the technician fills in; the rest is set by the app. */
export type EngagementDraft = z.infer<typeof engagementDraftSchema>;
export const engagementDraftSchema = engagementSchema.pick({
  clientName: true,
  site: true,
  contact: true,
  technician: true,
  visitDate: true,
  notes: true
});

export type ImportStatus = z.infer<typeof importStatusSchema>;
/**
 * stored: the raw bytes are saved, nothing read yet · parsing: rows are being written as staging ·
 * done: one final transaction made the rows live · failed / cancelled: staging rows were purged, raw bytes kept.
 */
export const importStatusSchema = z.enum(['stored', 'parsing', 'done', 'failed', 'cancelled']);

export type ImportCounts = z.infer<typeof importCountsSchema>;
export const importCountsSchema = z.object({
  assets: z.number().int().nonnegative(),
  findings: z.number().int().nonnegative(),
  installedUpdates: z.number().int().nonnegative(),
  software: z.number().int().nonnegative(),
  pendingUpdates: z.number().int().nonnegative(),
  /** Findings split by severity (scanner formats). */
  bySeverity: countsBySeveritySchema.optional()
});

/** Metadata of an imported file. The raw bytes are kept beside it (db table rawFiles) so a file can be re-read. */
export type ImportedFile = z.infer<typeof importedFileSchema>;
export const importedFileSchema = z.object({
  id: z.string().min(1),
  engagementId: z.string().min(1),
  name: z.string(),
  size: z.number().int().nonnegative(),
  lastModified: z.number().optional(),
  /** Empty until the file has been read once in full (it is hashed while it is read). */
  sha256: z.string().regex(/^([0-9a-f]{64})?$/),
  format: fileFormatSchema.nullable(),
  /** The format's version as the file states it (e.g. "GMP 22.4"). */
  formatVersion: z.string().optional(),
  importedAt: z.string(),
  status: importStatusSchema,
  problems: z.array(problemSchema),
  counts: importCountsSchema.optional(),
  /** Host names seen, for the scope section of the report. */
  hostnames: z.array(z.string()).optional()
});
