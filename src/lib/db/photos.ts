import type { PatchfieldDB, PhotoRecord } from './schema';

/** Stores a photo (already downscaled by the page); resolves once it is written. */
export async function addPhoto(db: PatchfieldDB, photo: PhotoRecord): Promise<void> {
  await db.photos.add(photo);
}

/**
 * The engagement's photos, oldest first: all of them; with `assetId`, only those of that machine; with `null`,
 * only those of the visit as a whole (on no machine).
 */
export async function listPhotos(
  db: PatchfieldDB,
  engagementId: string,
  assetId?: string | null
): Promise<PhotoRecord[]> {
  const rows =
    typeof assetId === 'string'
      ? await db.photos.where('[engagementId+assetId]').equals([engagementId, assetId]).toArray()
      : (await db.photos.where('engagementId').equals(engagementId).toArray()).filter(
          (p) => assetId === undefined || !p.assetId
        );
  return rows.sort((a, b) => a.takenAt.localeCompare(b.takenAt) || a.id.localeCompare(b.id));
}

export async function updatePhotoCaption(db: PatchfieldDB, id: string, caption: string): Promise<void> {
  await db.photos.update(id, { caption: caption.trim() });
}

export async function deletePhoto(db: PatchfieldDB, id: string): Promise<void> {
  await db.photos.delete(id);
}
