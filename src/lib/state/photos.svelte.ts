import { addPhoto, deletePhoto, getDb, listPhotos, updatePhotoCaption, type PhotoRecord } from '$lib/db';
import { untrack } from 'svelte';
import { downscaleImage } from './images';
import { Live } from './live.svelte';

/** The longer side of a stored photo: sharp on a printed A4 half page, a few hundred kilobytes as JPEG. */
const MAX_SIDE = 1600;

/**
 * The photos of one engagement, or of one machine in it: taken with the camera or picked from the tablet,
 * downscaled, stored before the page shows them, captioned and removed by the technician.
 */
export class PhotoAlbum {
  readonly photos: Live<PhotoRecord[]>;
  /** Object URLs for the thumbnails, by photo id; revoked when a photo goes. */
  urls = $state<Record<string, string>>({});
  busy = $state(false);
  message = $state('');
  failed = $state(false);

  constructor(
    readonly engagementId: string,
    readonly assetId?: string
  ) {
    // The visit's own photos are those on no machine.
    this.photos = new Live(() => listPhotos(getDb(), engagementId, assetId ?? null), []);
    $effect(() => {
      const current = this.photos.current;
      // The URLs made before are read without subscribing, so writing the new set does not run this again.
      const before = untrack(() => this.urls);
      const next: Record<string, string> = {};
      for (const p of current) next[p.id] = before[p.id] ?? URL.createObjectURL(p.blob);
      for (const [id, url] of Object.entries(before)) if (!(id in next)) URL.revokeObjectURL(url);
      this.urls = next;
    });
    $effect(() => () => {
      for (const url of Object.values(untrack(() => this.urls))) URL.revokeObjectURL(url);
    });
  }

  /** Stores each picked image as a downscaled JPEG; an unreadable file is named and skipped. */
  async add(files: FileList | File[]): Promise<void> {
    this.busy = true;
    this.message = '';
    this.failed = false;
    const refused: string[] = [];
    let added = 0;
    try {
      for (const file of Array.from(files)) {
        try {
          const image = await downscaleImage(
            file,
            { maxWidth: MAX_SIDE, maxHeight: MAX_SIDE },
            { type: 'image/jpeg', quality: 0.82 }
          );
          await addPhoto(getDb(), {
            id: crypto.randomUUID(),
            engagementId: this.engagementId,
            ...(this.assetId ? { assetId: this.assetId } : {}),
            caption: '',
            blob: image.blob,
            width: image.width,
            height: image.height,
            takenAt: new Date(file.lastModified || Date.now()).toISOString() // eslint-disable-line svelte/prefer-svelte-reactivity
          });
          added++;
        } catch {
          refused.push(file.name);
        }
      }
    } finally {
      this.busy = false;
    }
    this.failed = refused.length > 0;
    this.message = [
      added > 0 ? `${added === 1 ? 'Photo' : `${added} photos`} saved.` : '',
      refused.length > 0
        ? `${refused.join(', ')} could not be read as ${refused.length === 1 ? 'a picture' : 'pictures'}; take or choose ${refused.length === 1 ? 'it' : 'them'} again.`
        : ''
    ]
      .filter(Boolean)
      .join(' ');
  }

  async caption(id: string, text: string): Promise<void> {
    await updatePhotoCaption(getDb(), id, text);
  }

  async remove(id: string): Promise<void> {
    await deletePhoto(getDb(), id);
    this.message = 'Photo removed.';
    this.failed = false;
  }
}
