// Contact sheets of the control benchmark: one row per held-out condition, one column per picture
// kind (condition | no control | CSC-Tuner | ControlNet, …), each cell scaled up by a whole factor
// with nearest-neighbour pixels so 64 px pictures stay crisp, on a dark background with gaps.
import type { RgbaImage } from '../../../main/engine/io/image.ts';

export interface SheetStyle {
  /** Whole-number upscale of every cell. */
  scale: number;
  /** Pixels between cells and around the sheet (after scaling). */
  gap: number;
  /** RGB of the background and of empty cells. */
  background: [number, number, number];
}

/** Rows of a benchmark contact sheet (its first held-out conditions). */
export const SHEET_ROWS = 8;

export const DEFAULT_SHEET_STYLE: SheetStyle = { scale: 2, gap: 4, background: [24, 24, 24] };

export interface SheetLayout {
  width: number;
  height: number;
  cellWidth: number;
  cellHeight: number;
  /** Top-left corner of the cell at [row][column]. */
  origin(row: number, column: number): { x: number; y: number };
}

/** Where every cell goes on a rows × columns sheet of cells `cellWidth` × `cellHeight` (unscaled). */
export function sheetLayout(
  rows: number,
  columns: number,
  cellWidth: number,
  cellHeight: number,
  style: Pick<SheetStyle, 'scale' | 'gap'>,
): SheetLayout {
  if (!(Number.isInteger(rows) && rows >= 1 && Number.isInteger(columns) && columns >= 1))
    throw new Error(`contact sheet: need at least 1 row and 1 column, got ${rows} x ${columns}`);
  if (!(Number.isInteger(style.scale) && style.scale >= 1))
    throw new Error(`contact sheet: scale must be a whole number >= 1, got ${style.scale}`);
  if (!(Number.isInteger(style.gap) && style.gap >= 0))
    throw new Error(`contact sheet: gap must be a whole number >= 0, got ${style.gap}`);
  const cw = cellWidth * style.scale;
  const ch = cellHeight * style.scale;
  return {
    width: columns * cw + (columns + 1) * style.gap,
    height: rows * ch + (rows + 1) * style.gap,
    cellWidth: cw,
    cellHeight: ch,
    origin: (row, column) => ({
      x: style.gap + column * (cw + style.gap),
      y: style.gap + row * (ch + style.gap),
    }),
  };
}

/**
 * Draws a grid of pictures (null = an empty cell). Every picture must have the size of the first
 * one; rows may be shorter than the widest row.
 */
export function drawContactSheet(
  grid: readonly (readonly (RgbaImage | null)[])[],
  style = DEFAULT_SHEET_STYLE,
): RgbaImage {
  const first = grid.flat().find((c): c is RgbaImage => c !== null);
  if (!first) throw new Error('contact sheet: no pictures to draw');
  const columns = Math.max(...grid.map((r) => r.length));
  const layout = sheetLayout(grid.length, columns, first.width, first.height, style);
  const data = new Uint8ClampedArray(layout.width * layout.height * 4);
  const [r, g, b] = style.background;
  for (let i = 0; i < data.length; i += 4) {
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
    data[i + 3] = 255;
  }
  grid.forEach((row, ri) => {
    row.forEach((cell, ci) => {
      if (!cell) return;
      if (cell.width !== first.width || cell.height !== first.height)
        throw new Error(
          `contact sheet: cell [${ri}, ${ci}] is ${cell.width}x${cell.height}, the others ${first.width}x${first.height}`,
        );
      const { x: ox, y: oy } = layout.origin(ri, ci);
      for (let y = 0; y < layout.cellHeight; y++) {
        const sy = Math.floor(y / style.scale);
        for (let x = 0; x < layout.cellWidth; x++) {
          const s = (sy * cell.width + Math.floor(x / style.scale)) * 4;
          const d = ((oy + y) * layout.width + ox + x) * 4;
          data[d] = cell.data[s]!;
          data[d + 1] = cell.data[s + 1]!;
          data[d + 2] = cell.data[s + 2]!;
          data[d + 3] = 255;
        }
      }
    });
  });
  return { width: layout.width, height: layout.height, data };
}

/** The mask drawn over a picture: outside the mask darkened to a third (for the region sheet). */
export function shadeOutsideMask(image: RgbaImage, mask: { values: ArrayLike<number> }): RgbaImage {
  if (mask.values.length !== image.width * image.height)
    throw new Error(
      `mask holds ${mask.values.length} values, the picture ${image.width * image.height} pixels`,
    );
  const data = new Uint8ClampedArray(image.data);
  for (let p = 0; p < mask.values.length; p++)
    if (mask.values[p]! < 128) for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round(data[p * 4 + c]! / 3);
  return { width: image.width, height: image.height, data };
}
