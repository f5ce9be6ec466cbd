import sharp from 'sharp';

/**
 * Pictures for the browser suite that look like what people upload, so the screenshots show real
 * thumbnails: drawn as SVG and rendered by libvips here, in the test (the processor itself refuses
 * SVG). Each is a real JPEG or PNG file.
 */

/** Displayed 900 × 1200 (portrait); stored 1200 × 900 with EXIF orientation 6, as cameras held upright write it. */
export async function portraitPhotoWithOrientation6(): Promise<Buffer> {
  const upright = await sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="900" height="1200">
      <defs>
        <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#1d4e89"/><stop offset="0.55" stop-color="#f6a55b"/><stop offset="1" stop-color="#f9d77e"/></linearGradient>
        <linearGradient id="sea" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#2a6f97"/><stop offset="1" stop-color="#0b2f4a"/></linearGradient>
      </defs>
      <rect width="900" height="1200" fill="url(#sky)"/>
      <circle cx="600" cy="300" r="90" fill="#fff1c1"/>
      <polygon points="0,700 180,470 330,620 520,380 720,600 900,450 900,760 0,760" fill="#3c2f5c"/>
      <rect y="760" width="900" height="440" fill="url(#sea)"/>
      <rect x="300" y="800" width="300" height="14" rx="7" fill="#fff1c1" opacity="0.7"/>
      <rect x="360" y="860" width="180" height="10" rx="5" fill="#fff1c1" opacity="0.5"/>
    </svg>`),
  )
    .jpeg({ quality: 88 })
    .toBuffer();
  // Stored turned a quarter to the left; orientation 6 tells viewers to turn it back.
  return sharp(upright).rotate(270).jpeg({ quality: 88 }).withMetadata({ orientation: 6 }).toBuffer();
}

/** 800 × 600, a logo on a fully transparent background. */
export function logoWithTransparency(): Promise<Buffer> {
  return sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
      <circle cx="400" cy="300" r="240" fill="#0b5cad"/>
      <circle cx="400" cy="300" r="170" fill="#2bb673" fill-opacity="0.85"/>
      <rect x="310" y="210" width="180" height="180" rx="30" fill="#ffffff" fill-opacity="0.9"/>
      <circle cx="400" cy="300" r="55" fill="#f5a623"/>
    </svg>`),
  )
    .png()
    .toBuffer();
}

/** A landscape photo without EXIF orientation, for a gallery with more than one picture. */
export function landscapePhoto(): Promise<Buffer> {
  return sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800">
      <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#9ad0f5"/><stop offset="1" stop-color="#e8f6ff"/></linearGradient></defs>
      <rect width="1200" height="800" fill="url(#g)"/>
      <polygon points="0,560 260,300 470,500 700,240 980,520 1200,360 1200,800 0,800" fill="#4f7942"/>
      <polygon points="640,330 700,240 760,330" fill="#ffffff"/>
      <rect y="640" width="1200" height="160" fill="#3d5e2f"/>
    </svg>`),
  )
    .jpeg({ quality: 85 })
    .toBuffer();
}
