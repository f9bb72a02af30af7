/** How the scene maps onto the screen: screen = scene * zoom + (x, y). */
export interface Viewport {
  readonly zoom: number;
  readonly x: number;
  readonly y: number;
}

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 16;

/** Zooms by `factor` keeping the scene point under `pointer` (screen pixels) where it is. */
export function zoomAt(view: Viewport, factor: number, pointer: { x: number; y: number }): Viewport {
  const zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, view.zoom * factor));
  const sceneX = (pointer.x - view.x) / view.zoom;
  const sceneY = (pointer.y - view.y) / view.zoom;
  return { zoom, x: pointer.x - sceneX * zoom, y: pointer.y - sceneY * zoom };
}

/** Centres a scene of the given size in the screen area, as large as fits with a margin. */
export function fitScene(
  scene: { width: number; height: number },
  screen: { width: number; height: number },
  margin = 24,
): Viewport {
  const zoom = Math.max(
    MIN_ZOOM,
    Math.min((screen.width - 2 * margin) / scene.width, (screen.height - 2 * margin) / scene.height),
  );
  return { zoom, x: (screen.width - scene.width * zoom) / 2, y: (screen.height - scene.height * zoom) / 2 };
}

export function screenToScene(view: Viewport, p: { x: number; y: number }): [number, number] {
  return [(p.x - view.x) / view.zoom, (p.y - view.y) / view.zoom];
}

/** Where a picture goes inside an area, as large as fits without changing its aspect, centred. */
export function containRect(
  picture: { width: number; height: number },
  area: { width: number; height: number },
): { x: number; y: number; width: number; height: number } {
  if (picture.width <= 0 || picture.height <= 0) return { x: 0, y: 0, ...area };
  const scale = Math.min(area.width / picture.width, area.height / picture.height);
  const width = picture.width * scale;
  const height = picture.height * scale;
  return { x: (area.width - width) / 2, y: (area.height - height) / 2, width, height };
}
