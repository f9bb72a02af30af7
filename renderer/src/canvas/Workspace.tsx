import type Konva from 'konva';
import type { KonvaEventObject } from 'konva/lib/Node';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Arrow, Ellipse, Image as KonvaImage, Layer, Line, Rect, Stage } from 'react-konva';
import { addDepthOp, addEdgeStroke } from '../scene/draw-actions.ts';
import { newId } from '../scene/ids.ts';
import { activeLayer } from '../scene/layer-access.ts';
import { setLayerMask } from '../scene/layer-actions.ts';
import type { ConditionLayer, RegionMask } from '../scene/types.ts';
import { useScene, useSmallStore } from '../ui/hooks.ts';
import { useStudio } from '../ui/studio.ts';
import { useDecodedImage, useHtmlImage } from './image-decoding.ts';
import { layerDisplayCanvas } from './layer-display.ts';
import { PoseEditor } from './PoseEditor.tsx';
import { effectiveTool, type ToolName } from './tool-settings.ts';
import { containRect, fitScene, screenToScene, type Viewport, zoomAt } from './viewport.ts';

interface Draft {
  readonly tool: ToolName;
  readonly points: number[];
}

function LayerBitmap({ layer, width, height }: { layer: ConditionLayer; width: number; height: number }) {
  const image = useDecodedImage(layer.image?.dataUrl);
  if (layer.image && !image) return null;
  const canvas = layerDisplayCanvas(layer, width, height, image);
  return (
    <KonvaImage
      image={canvas}
      width={width}
      height={height}
      opacity={layer.opacity}
      name={`layer-${layer.id}`}
    />
  );
}

function MaskOutline({ mask, zoom }: { mask: RegionMask; zoom: number }) {
  // A dark line under the dashes keeps the outline visible over any picture.
  const styles = [
    { stroke: '#000', strokeWidth: 3 / zoom, opacity: 0.6, listening: false },
    { stroke: '#7aa2ff', strokeWidth: 1.5 / zoom, dash: [6 / zoom, 4 / zoom], listening: false },
  ];
  return (
    <>
      {styles.map((style) =>
        mask.shape === 'rect' ? (
          <Rect key={style.stroke} x={mask.x} y={mask.y} width={mask.width} height={mask.height} {...style} />
        ) : (
          <Ellipse
            key={style.stroke}
            x={mask.x + mask.width / 2}
            y={mask.y + mask.height / 2}
            radiusX={mask.width / 2}
            radiusY={mask.height / 2}
            {...style}
          />
        ),
      )}
    </>
  );
}

function DraftShape({ draft, zoom }: { draft: Draft; zoom: number }) {
  const { tools } = useStudio();
  const t = useSmallStore(tools);
  const p = draft.points;
  switch (draft.tool) {
    case 'brush':
    case 'line':
    case 'eraser':
      return (
        <Line
          points={p}
          stroke={draft.tool === 'eraser' ? '#ff6b6b' : '#ffffff'}
          opacity={draft.tool === 'eraser' ? 0.6 : 1}
          strokeWidth={t.strokeWidth}
          lineCap="round"
          lineJoin="round"
        />
      );
    case 'depthBrush': {
      const v = Math.round(t.depthValue * 255);
      return (
        <Line
          points={p}
          stroke={`rgb(${v},${v},${v})`}
          opacity={0.8}
          strokeWidth={t.depthBrushWidth}
          lineCap="round"
          lineJoin="round"
        />
      );
    }
    case 'gradient':
      return p.length >= 4 ? (
        <Arrow
          points={p.slice(0, 2).concat(p.slice(-2))}
          stroke="#7aa2ff"
          fill="#7aa2ff"
          strokeWidth={2 / zoom}
        />
      ) : null;
    case 'mask': {
      const [x0 = 0, y0 = 0] = p.map(Math.round);
      const [x1 = x0, y1 = y0] = p.slice(-2).map(Math.round);
      return (
        <MaskOutline
          mask={{
            shape: t.maskShape,
            x: Math.min(x0, x1),
            y: Math.min(y0, y1),
            width: Math.abs(x1 - x0),
            height: Math.abs(y1 - y0),
            inverted: false,
          }}
          zoom={zoom}
        />
      );
    }
    default:
      return null;
  }
}

/** The canvas: generated image beneath, condition layers above, the active tool on top. */
export function Workspace() {
  const studio = useStudio();
  const scene = useScene(studio.scene);
  const tools = useSmallStore(studio.tools);
  const { backgroundUrl } = useSmallStore(studio.view);
  const background = useHtmlImage(backgroundUrl);
  const containerRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Konva.Stage>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [view, setView] = useState<Viewport>({ zoom: 1, x: 0, y: 0 });
  const [draft, setDraft] = useState<Draft | null>(null);
  const draftRef = useRef<Draft | null>(null);
  const active = activeLayer(scene);
  const tool = effectiveTool(active?.kind, tools.tool);

  useLayoutEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    setSize({ width: el.clientWidth, height: el.clientHeight });
    return () => observer.disconnect();
  }, []);

  const sceneWidth = scene.width;
  const sceneHeight = scene.height;
  // Fit the canvas to the window until the artist zooms or pans; a new canvas size fits again.
  const userMovedRef = useRef(false);
  const { fitRequest } = useSmallStore(studio.view);
  // biome-ignore lint/correctness/useExhaustiveDependencies: these are the signals to fit again
  useEffect(() => {
    userMovedRef.current = false;
  }, [sceneWidth, sceneHeight, fitRequest]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: fitRequest asks for a fit
  useEffect(() => {
    if (size.width > 0 && size.height > 0 && !userMovedRef.current) {
      setView(fitScene({ width: sceneWidth, height: sceneHeight }, size));
    }
  }, [size, sceneWidth, sceneHeight, fitRequest]);

  // Tests and the status bar read where the scene is on screen.
  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    el.dataset.zoom = String(view.zoom);
    el.dataset.panX = String(view.x);
    el.dataset.panY = String(view.y);
  }, [view]);

  function scenePoint(): [number, number] | null {
    const p = stageRef.current?.getPointerPosition();
    return p ? screenToScene(view, p) : null;
  }

  function onPointerDown(e: KonvaEventObject<PointerEvent>) {
    if (!active || e.evt.button !== 0 || tool === 'pan' || tool === 'pose') return;
    const p = scenePoint();
    if (!p) return;
    const d = { tool, points: [p[0], p[1]] };
    draftRef.current = d;
    setDraft(d);
  }

  function onPointerMove() {
    const d = draftRef.current;
    if (!d) return;
    const p = scenePoint();
    if (!p) return;
    const straight = d.tool === 'line' || d.tool === 'gradient' || d.tool === 'mask';
    const next = {
      tool: d.tool,
      points: straight ? [d.points[0]!, d.points[1]!, p[0], p[1]] : [...d.points, p[0], p[1]],
    };
    draftRef.current = next;
    setDraft(next);
  }

  function onPointerUp() {
    const d = draftRef.current;
    draftRef.current = null;
    setDraft(null);
    if (!d || !active) return;
    commitDraft(d, active);
  }

  function commitDraft(d: Draft, layer: ConditionLayer) {
    const points = d.points;
    switch (d.tool) {
      case 'brush':
      case 'eraser':
      case 'line':
        studio.run(addEdgeStroke, {
          layerId: layer.id,
          stroke: {
            id: newId('stroke'),
            tool: d.tool === 'eraser' ? 'eraser' : 'brush',
            points,
            width: tools.strokeWidth,
          },
        });
        return;
      case 'depthBrush':
        studio.run(addDepthOp, {
          layerId: layer.id,
          op: {
            id: newId('depth'),
            type: 'stroke',
            points,
            width: tools.depthBrushWidth,
            value: tools.depthValue,
            softness: tools.depthSoftness,
          },
        });
        return;
      case 'gradient':
        if (points.length < 4) return;
        studio.run(addDepthOp, {
          layerId: layer.id,
          op: {
            id: newId('gradient'),
            type: 'gradient',
            shape: tools.gradientShape,
            from: [points[0]!, points[1]!],
            to: [points[2]!, points[3]!],
            fromValue: tools.gradientFrom,
            toValue: tools.gradientTo,
          },
        });
        return;
      case 'mask': {
        if (points.length < 4) return;
        // Whole canvas pixels: the mask the engine gets is per pixel, so its outline says exactly which.
        const [x0, y0, x1, y1] = (points as [number, number, number, number]).map(Math.round) as [
          number,
          number,
          number,
          number,
        ];
        if (Math.abs(x1 - x0) < 1 || Math.abs(y1 - y0) < 1) return;
        studio.run(setLayerMask, {
          id: layer.id,
          mask: {
            shape: tools.maskShape,
            x: Math.min(x0, x1),
            y: Math.min(y0, y1),
            width: Math.abs(x1 - x0),
            height: Math.abs(y1 - y0),
            inverted: false,
          },
        });
        return;
      }
      default:
        return;
    }
  }

  function onWheel(e: KonvaEventObject<WheelEvent>) {
    e.evt.preventDefault();
    const p = stageRef.current?.getPointerPosition();
    if (!p) return;
    userMovedRef.current = true;
    setView((v) => zoomAt(v, e.evt.deltaY < 0 ? 1.1 : 1 / 1.1, p));
  }

  function onDragEnd(e: KonvaEventObject<DragEvent>) {
    if (e.target !== stageRef.current) return;
    userMovedRef.current = true;
    setView((v) => ({ ...v, x: e.target.x(), y: e.target.y() }));
  }

  const cursor = tool === 'pan' ? 'grab' : tool === 'pose' ? 'default' : 'crosshair';

  return (
    <div
      ref={containerRef}
      className="workspace"
      data-testid="workspace"
      data-tool={tool}
      role="application"
      aria-label={`Canvas, ${scene.width} by ${scene.height} pixels; ${active ? `active layer ${active.name}` : 'no layer'}`}
      style={{ cursor }}
    >
      {size.width > 0 && (
        <Stage
          ref={stageRef}
          width={size.width}
          height={size.height}
          x={view.x}
          y={view.y}
          scaleX={view.zoom}
          scaleY={view.zoom}
          draggable={tool === 'pan'}
          onDragEnd={onDragEnd}
          onWheel={onWheel}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={onPointerUp}
        >
          {/* Zoomed in on a small canvas, each pixel shows as a sharp square: that is what the model gets. */}
          <Layer listening={false} imageSmoothingEnabled={view.zoom < 1}>
            <Rect width={scene.width} height={scene.height} fill="#000" shadowColor="#000" shadowBlur={12} />
            {background && (
              // A picture of another size (the canvas was resized since) keeps its proportions.
              <KonvaImage
                image={background}
                {...containRect({ width: background.naturalWidth, height: background.naturalHeight }, scene)}
              />
            )}
            {scene.layers
              .filter((l) => l.enabled)
              .map((l) => (
                <LayerBitmap key={l.id} layer={l} width={scene.width} height={scene.height} />
              ))}
            {active?.mask && <MaskOutline mask={active.mask} zoom={view.zoom} />}
            {draft && <DraftShape draft={draft} zoom={view.zoom} />}
          </Layer>
          {active?.kind === 'pose' && tool === 'pose' && (
            <Layer>
              <PoseEditor layer={active} zoom={view.zoom} />
            </Layer>
          )}
        </Stage>
      )}
      {scene.layers.length === 0 && (
        // Over an empty canvas the hint sits in the middle; once a picture is there, below it.
        <p className={background ? 'workspace-hint workspace-hint-below' : 'workspace-hint'}>
          Add a condition layer (edges, scribble, depth or pose) in the Layers panel to draw.
        </p>
      )}
    </div>
  );
}
