import { SmallStore } from '../ui/small-store.ts';

export type ToolName = 'brush' | 'eraser' | 'line' | 'depthBrush' | 'gradient' | 'pose' | 'mask' | 'pan';

export interface ToolSettings {
  readonly tool: ToolName;
  readonly strokeWidth: number;
  readonly depthValue: number;
  readonly depthSoftness: number;
  readonly depthBrushWidth: number;
  readonly gradientShape: 'linear' | 'radial';
  readonly gradientFrom: number;
  readonly gradientTo: number;
  readonly maskShape: 'rect' | 'ellipse';
  /** The person the pose tools act on. */
  readonly selectedPersonId: string | null;
}

export const DEFAULT_TOOL_SETTINGS: ToolSettings = {
  tool: 'brush',
  strokeWidth: 4,
  depthValue: 1,
  depthSoftness: 0.5,
  depthBrushWidth: 48,
  gradientShape: 'linear',
  gradientFrom: 1,
  gradientTo: 0,
  maskShape: 'rect',
  selectedPersonId: null,
};

export function createToolStore(): SmallStore<ToolSettings> {
  return new SmallStore(DEFAULT_TOOL_SETTINGS);
}

/** Tools that make sense on each layer kind, in toolbar order. */
export const TOOLS_BY_KIND: Record<'edge' | 'scribble' | 'depth' | 'pose', readonly ToolName[]> = {
  edge: ['brush', 'eraser', 'line', 'mask', 'pan'],
  scribble: ['brush', 'eraser', 'line', 'mask', 'pan'],
  depth: ['depthBrush', 'gradient', 'mask', 'pan'],
  pose: ['pose', 'mask', 'pan'],
};

export const TOOL_INFO: Record<ToolName, { label: string; key: string }> = {
  brush: { label: 'Brush', key: 'b' },
  eraser: { label: 'Eraser', key: 'e' },
  line: { label: 'Straight line', key: 'l' },
  depthBrush: { label: 'Depth brush', key: 'b' },
  gradient: { label: 'Gradient', key: 'g' },
  pose: { label: 'Pose', key: 'v' },
  mask: { label: 'Region mask', key: 'm' },
  pan: { label: 'Pan', key: 'h' },
};

/** The tool in effect on a layer: the chosen one when it applies to the layer's kind, else the kind's first. */
export function effectiveTool(kind: keyof typeof TOOLS_BY_KIND | undefined, chosen: ToolName): ToolName {
  const names = kind ? TOOLS_BY_KIND[kind] : (['pan'] as const);
  return names.includes(chosen) ? chosen : (names[0] ?? 'pan');
}
