import { z } from 'zod';
import { engagementSchema, hostObservationSchema, importedFileSchema, scannerRuleSchema } from '../model';

/**
 * What each engagement's folder in a backup holds, at the current database schema version. `engagement.json`
 * names the other entries of the engagement by path; older schema versions are upgraded to this shape before it
 * is checked (see db/backup.ts).
 */

/** A stored Blob: the entry with its bytes, and the MIME type to give it back. */
export type BackupBlobRef = z.infer<typeof backupBlobRefSchema>;
const backupBlobRefSchema = z.object({ path: z.string().min(1), type: z.string() });

export type BackupFile = z.infer<typeof backupFileSchema>;
const backupFileSchema = z.object({
  file: importedFileSchema,
  /** The file exactly as it was imported. */
  raw: backupBlobRefSchema.optional(),
  /** What Patchfield read from it: host rows, and scanner rule texts in batches. */
  hosts: z.string().optional(),
  rules: z.string().optional()
});

/** A photo's record without its engagement and image; fields added to photos later are kept as they are. */
export type BackupPhoto = z.infer<typeof backupPhotoSchema>;
const backupPhotoSchema = z.object({
  photo: z.looseObject({
    id: z.string().min(1),
    assetId: z.string().optional(),
    caption: z.string(),
    width: z.number(),
    height: z.number(),
    takenAt: z.string()
  }),
  image: backupBlobRefSchema
});

export type BackupEngagement = z.infer<typeof backupEngagementSchema>;
export const backupEngagementSchema = z.object({
  engagement: engagementSchema,
  /** Policy, asset context and notes, exceptions, plan adjustments; null when the technician set none. */
  settings: z.object({ settings: z.record(z.string(), z.unknown()), updatedAt: z.string() }).nullable(),
  /** Merge and split decisions; null when there are none. */
  decisions: z
    .object({ merges: z.array(z.tuple([z.string(), z.string()])), splits: z.array(z.string()) })
    .nullable(),
  files: z.array(backupFileSchema),
  photos: z.array(backupPhotoSchema)
});

export type BackupHostRow = z.infer<typeof backupHostRowSchema>;
const backupHostRowSchema = z.object({
  id: z.string().min(1),
  seq: z.number().int().nonnegative(),
  host: hostObservationSchema
});
export const backupHostsSchema = z.array(backupHostRowSchema);

export type BackupRuleBatch = z.infer<typeof backupRuleBatchSchema>;
const backupRuleBatchSchema = z.object({ id: z.string().min(1), rules: z.array(scannerRuleSchema) });
export const backupRulesSchema = z.array(backupRuleBatchSchema);

/** An id or file name as a path segment: letters, digits, dot, dash and underscore only. */
function segment(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^\.+/, '_')
      .slice(0, 80) || '_'
  );
}

/** Where each part of an engagement lives in the zip. */
export const backupPaths = {
  engagement: (engagementId: string) => `engagements/${segment(engagementId)}/engagement.json`,
  raw: (engagementId: string, fileId: string, fileName: string) =>
    `engagements/${segment(engagementId)}/files/${segment(fileId)}/raw/${segment(fileName)}`,
  hosts: (engagementId: string, fileId: string) =>
    `engagements/${segment(engagementId)}/files/${segment(fileId)}/hosts.json`,
  rules: (engagementId: string, fileId: string) =>
    `engagements/${segment(engagementId)}/files/${segment(fileId)}/rules.json`,
  photo: (engagementId: string, photoId: string) =>
    `engagements/${segment(engagementId)}/photos/${segment(photoId)}.jpg`
};
