/**
 * Pictures the technician picks or takes, scaled down in the page before they are stored: a camera photo of
 * 12 megapixels becomes a JPEG of a few hundred kilobytes, so photos never fill the tablet or bloat the report.
 */
export interface ScaledImage {
  blob: Blob;
  width: number;
  height: number;
  /** True when the image was made smaller. */
  scaled: boolean;
}

export async function downscaleImage(
  file: Blob,
  box: { maxWidth: number; maxHeight: number },
  output: { type: 'image/png' } | { type: 'image/jpeg'; quality: number }
): Promise<ScaledImage> {
  // imageOrientation 'from-image' turns a portrait camera photo upright (EXIF orientation).
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const scale = Math.min(1, box.maxWidth / bitmap.width, box.maxHeight / bitmap.height);
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d')!;
    if (output.type === 'image/jpeg') {
      // JPEG has no transparency: a transparent screenshot gets a white background rather than black.
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, width, height);
    }
    context.drawImage(bitmap, 0, 0, width, height);
    const blob = await canvas.convertToBlob(output);
    return { blob, width, height, scaled: scale < 1 };
  } finally {
    bitmap.close();
  }
}
