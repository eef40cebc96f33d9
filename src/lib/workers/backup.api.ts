import {
  BACKUP_EXTENSION,
  BackupError,
  type BackupConflictChoice,
  type BackupErrorCode,
  type BackupImportResult
} from '../core';
import {
  exportAllEngagements,
  exportEngagement,
  getEngagement,
  importEngagementBackup,
  isQuotaExceeded,
  type PatchfieldDB
} from '../db';
import { reportFileName } from './engine.api';

export interface BackupFile {
  bytes: Uint8Array;
  fileName: string;
}

/** A restore, a conflict for the technician to settle, or a refusal with its message. */
export type BackupImportOutcome =
  | BackupImportResult
  | { status: 'refused'; code: BackupErrorCode | 'backup-not-saved'; message: string; entry?: string };

/** "Zahnarztpraxis Müller" on 2026-11-24 → "zahnarztpraxis-muller-2026-11-24.patchfield". */
export function backupFileName(clientName: string, visitDate: string): string {
  return reportFileName(clientName, visitDate)
    .replace(/^patch-assessment-/, '')
    .replace(/\.pdf$/, BACKUP_EXTENSION);
}

/** Engagement export and import, spread into the engine's API (engine.api.ts). */
export function createBackupApi(db: () => PatchfieldDB, now: () => Date) {
  return {
    /** One engagement as a .patchfield file; its "never exported" reminder goes away. */
    async exportEngagementFile(
      engagementId: string,
      onProgress?: (what: string, done: number, total: number) => void
    ): Promise<BackupFile> {
      const engagement = await getEngagement(db(), engagementId);
      if (!engagement) throw new Error('This engagement no longer exists.');
      const bytes = await exportEngagement(db(), engagementId, now(), onProgress ? { onProgress } : {});
      return { bytes, fileName: backupFileName(engagement.clientName, engagement.visitDate) };
    },

    /** Every engagement on the device in one file: the backup to keep off the tablet. */
    async exportAllEngagementsFile(
      onProgress?: (what: string, done: number, total: number) => void
    ): Promise<BackupFile> {
      const at = now();
      const bytes = await exportAllEngagements(db(), at, onProgress ? { onProgress } : {});
      return {
        bytes,
        fileName: `patchfield-all-engagements-${at.toISOString().slice(0, 10)}${BACKUP_EXTENSION}`
      };
    },

    /**
     * Restores a .patchfield (or .zip) file. Without a choice, an engagement already on this device comes back as
     * a conflict and nothing is written; call again with 'replace' or 'keep-both'.
     */
    async importEngagementFile(
      file: { name: string; blob: Blob },
      choice?: BackupConflictChoice,
      onProgress?: (what: string, done: number, total: number) => void
    ): Promise<BackupImportOutcome> {
      try {
        const bytes = new Uint8Array(await file.blob.arrayBuffer());
        return await importEngagementBackup(db(), bytes, {
          name: file.name,
          ...(choice ? { choice } : {}),
          ...(onProgress ? { onProgress } : {})
        });
      } catch (e) {
        if (e instanceof BackupError) {
          return {
            status: 'refused',
            code: e.code,
            message: e.message,
            ...(e.entry ? { entry: e.entry } : {})
          };
        }
        return {
          status: 'refused',
          code: 'backup-not-saved',
          message: isQuotaExceeded(e)
            ? `${file.name} does not fit in this device's storage. Nothing was imported. Free some space (delete engagements you have exported, or other apps' data), then import it again.`
            : `${file.name} could not be saved on this device (${e instanceof Error ? e.message : String(e)}). Nothing was imported.`
        };
      }
    }
  };
}
