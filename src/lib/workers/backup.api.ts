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
import { isSealedBackup, keyringFor, openSealedBackup, sealBackup, WrongPassphraseError } from '../db/crypto';
import { reportFileName } from './engine.api';

export interface BackupFile {
  bytes: Uint8Array;
  fileName: string;
}

/** A restore, a conflict for the technician to settle, or a refusal with its message. */
export type BackupImportOutcome =
  | BackupImportResult
  | { status: 'refused'; code: BackupErrorCode | 'backup-not-saved'; message: string; entry?: string }
  /** A sealed backup (of an encrypted engagement): call again with its passphrase. */
  | { status: 'passphrase-needed'; wrong: boolean; message: string };

/** "Zahnarztpraxis Müller" on 2026-11-24 → "zahnarztpraxis-muller-2026-11-24.patchfield". */
export function backupFileName(clientName: string, visitDate: string): string {
  return reportFileName(clientName, visitDate)
    .replace(/^patch-assessment-/, '')
    .replace(/\.pdf$/, BACKUP_EXTENSION);
}

/** An encrypted engagement's backup: "encrypted-engagement-2026-11-24-3f9c2a1b.patchfield". */
export function sealedBackupFileName(engagementId: string, visitDate: string): string {
  const tag = engagementId
    .replace(/^[a-z]+-/i, '')
    .replace(/[^0-9a-z]/gi, '')
    .slice(0, 8)
    .toLowerCase();
  return `encrypted-engagement-${visitDate}${tag ? `-${tag}` : ''}${BACKUP_EXTENSION}`;
}

/** Engagement export and import, spread into the engine's API (engine.api.ts). */
export function createBackupApi(db: () => PatchfieldDB, now: () => Date) {
  return {
    /**
     * One engagement as a .patchfield file; its "never exported" reminder goes away. An encrypted engagement's
     * file is sealed with its own key (sealed-backup.ts): the same passphrase opens it on another device.
     */
    async exportEngagementFile(
      engagementId: string,
      onProgress?: (what: string, done: number, total: number) => void
    ): Promise<BackupFile> {
      const engagement = await getEngagement(db(), engagementId);
      if (!engagement) throw new Error('This engagement no longer exists.');
      const zip = await exportEngagement(db(), engagementId, now(), onProgress ? { onProgress } : {});
      const keys = keyringFor(db()).get(engagementId);
      if (engagement.encryption && keys) {
        // The file name does not name the client either (as the engagements list does not while it is locked).
        const bytes = await sealBackup(zip, engagement.encryption, keys);
        return { bytes, fileName: sealedBackupFileName(engagementId, engagement.visitDate) };
      }
      return { bytes: zip, fileName: backupFileName(engagement.clientName, engagement.visitDate) };
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
     * a conflict and nothing is written; call again with 'replace' or 'keep-both'. A sealed backup needs its
     * passphrase; the engagement it restores is written encrypted with it (and unlocked in the engine).
     */
    async importEngagementFile(
      file: { name: string; blob: Blob },
      choice?: BackupConflictChoice,
      onProgress?: (what: string, done: number, total: number) => void,
      passphrase?: string
    ): Promise<BackupImportOutcome> {
      try {
        let bytes: Uint8Array = new Uint8Array(await file.blob.arrayBuffer());
        let sealed: Awaited<ReturnType<typeof openSealedBackup>> | null = null;
        if (isSealedBackup(bytes)) {
          if (passphrase === undefined) {
            return {
              status: 'passphrase-needed',
              wrong: false,
              message: `${file.name} is the backup of an encrypted engagement: enter its passphrase to import it.`
            };
          }
          try {
            sealed = await openSealedBackup(bytes, passphrase, file.name);
          } catch (e) {
            if (!(e instanceof WrongPassphraseError)) throw e;
            return {
              status: 'passphrase-needed',
              wrong: true,
              message: `That passphrase does not open ${file.name}. Nothing was imported: check it (capital letters, spaces) and try again.`
            };
          }
          bytes = sealed.zip;
        }
        // A sealed backup's engagement is written sealed again with the same passphrase, in the same transaction.
        return await importEngagementBackup(db(), bytes, {
          name: file.name,
          ...(choice ? { choice } : {}),
          ...(onProgress ? { onProgress } : {}),
          ...(sealed ? { sealWith: { encryption: sealed.encryption, keys: sealed.keys } } : {})
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
