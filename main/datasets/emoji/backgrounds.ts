// Plain and gradient backgrounds for emoji pictures, from a small palette of named colours so
// the caption can say what the background is.
import type { RgbaImage } from '../../engine/io/image.ts';
import type { Prng } from '../prng.ts';

export const BACKGROUND_COLORS = {
  white: '#ffffff',
  'light grey': '#d4d4d4',
  'dark grey': '#4a4a4a',
  black: '#101010',
  'pale blue': '#bcdcf5',
  'pale pink': '#f8cfe0',
  'pale yellow': '#fbf0b4',
  'pale green': '#c8eccb',
  lavender: '#d9cdf2',
  navy: '#1c2a5a',
  teal: '#1f8a8a',
  orange: '#f29a3a',
  red: '#c83232',
  blue: '#3564c8',
  green: '#3c9a4a',
  purple: '#7a44b0',
} as const;
export type BackgroundColorName = keyof typeof BACKGROUND_COLORS;
const NAMES = Object.keys(BACKGROUND_COLORS) as BackgroundColorName[];

export interface Background {
  kind: 'plain' | 'gradient';
  /** One colour for plain, [from, to] for a gradient. */
  colors: BackgroundColorName[];
  /** The exact colours used (named colour plus a little jitter), sRGB hex. */
  hex: string[];
  /** Gradient direction in degrees (0 = left to right, 90 = top to bottom). */
  angleDeg: number | null;
}

export function sampleBackground(rng: Prng): Background {
  const jittered = (name: BackgroundColorName) => {
    const n = Number.parseInt(BACKGROUND_COLORS[name].slice(1), 16);
    const ch = (v: number) =>
      Math.max(0, Math.min(255, Math.round(v + rng.jitter(10))))
        .toString(16)
        .padStart(2, '0');
    return `#${ch((n >> 16) & 255)}${ch((n >> 8) & 255)}${ch(n & 255)}`;
  };
  if (rng.chance(0.6)) {
    const c = rng.pick(NAMES);
    return { kind: 'plain', colors: [c], hex: [jittered(c)], angleDeg: null };
  }
  const from = rng.pick(NAMES);
  const to = rng.pick(NAMES.filter((n) => n !== from));
  return {
    kind: 'gradient',
    colors: [from, to],
    hex: [jittered(from), jittered(to)],
    angleDeg: Math.round(rng.range(0, 360)),
  };
}

/** How a caption names the background: "a pale blue background", "a pink to navy gradient". */
export function backgroundPhrase(bg: Background): string {
  return bg.kind === 'plain'
    ? `a ${bg.colors[0]} background`
    : `a ${bg.colors[0]} to ${bg.colors[1]} gradient background`;
}

export function paintBackground(bg: Background, width: number, height: number): RgbaImage {
  const rgb = bg.hex.map((h) => {
    const n = Number.parseInt(h.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255] as const;
  });
  const data = new Uint8ClampedArray(width * height * 4);
  const a = ((bg.angleDeg ?? 0) * Math.PI) / 180;
  const ux = Math.cos(a);
  const uy = Math.sin(a);
  // Project pixel centres on the gradient direction and stretch to 0..1 over the picture.
  const span = Math.abs(ux) * width + Math.abs(uy) * height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const t =
        rgb.length === 1 ? 0 : ((x + 0.5 - width / 2) * ux + (y + 0.5 - height / 2) * uy) / span + 0.5;
      const c0 = rgb[0]!;
      const c1 = rgb[rgb.length - 1]!;
      data[i] = c0[0] + (c1[0] - c0[0]) * t;
      data[i + 1] = c0[1] + (c1[1] - c0[1]) * t;
      data[i + 2] = c0[2] + (c1[2] - c0[2]) * t;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

/** Draws `fg` (straight alpha) over the opaque `bg` at (left, top). */
export function compositeOver(bg: RgbaImage, fg: RgbaImage, left: number, top: number): RgbaImage {
  const out = new Uint8ClampedArray(bg.data);
  for (let y = 0; y < fg.height; y++) {
    const by = y + top;
    if (by < 0 || by >= bg.height) continue;
    for (let x = 0; x < fg.width; x++) {
      const bx = x + left;
      if (bx < 0 || bx >= bg.width) continue;
      const f = (y * fg.width + x) * 4;
      const b = (by * bg.width + bx) * 4;
      const alpha = fg.data[f + 3]! / 255;
      out[b] = fg.data[f]! * alpha + out[b]! * (1 - alpha);
      out[b + 1] = fg.data[f + 1]! * alpha + out[b + 1]! * (1 - alpha);
      out[b + 2] = fg.data[f + 2]! * alpha + out[b + 2]! * (1 - alpha);
    }
  }
  return { width: bg.width, height: bg.height, data: out };
}
