import type { PatchfieldDB, PhotoRecord } from './schema';

/** Stores a photo (already downscaled by the page); resolves once it is written. */
export async function addPhoto(db: PatchfieldDB, photo: PhotoRecord): Promise<void> {
  await db.photos.add(photo);
}

/** The engagement's photos, oldest first; with `assetId`, only those of that machine. */
export async function listPhotos(
  db: PatchfieldDB,
  engagementId: string,
  assetId?: string
): Promise<PhotoRecord[]> {
  const rows =
    assetId === undefined
      ? await db.photos.where('engagementId').equals(engagementId).toArray()
      : await db.photos.where('[engagementId+assetId]').equals([engagementId, assetId]).toArray();
  return rows.sort((a, b) => a.takenAt.localeCompare(b.takenAt) || a.id.localeCompare(b.id));
}

export async function updatePhotoCaption(db: PatchfieldDB, id: string, caption: string): Promise<void> {
  await db.photos.update(id, { caption: caption.trim() });
}

export async function deletePhoto(db: PatchfieldDB, id: string): Promise<void> {
  await db.photos.delete(id);
}
