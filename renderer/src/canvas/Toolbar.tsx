import { useRef } from 'react';
import { activeLayer } from '../scene/layer-access.ts';
import { setLayerMask } from '../scene/layer-actions.ts';
import {
  addPerson,
  deletePerson,
  mirrorPersonAction,
  scalePersonAction,
  setPeople,
} from '../scene/pose-actions.ts';
import { peopleFromOpenPoseJson, peopleToOpenPoseJson } from '../scene/pose-json.ts';
import type { ConditionLayer, PoseLayer } from '../scene/types.ts';
import { useScene, useSmallStore } from '../ui/hooks.ts';
import { NumberSlider } from '../ui/NumberSlider.tsx';
import { saveTextFile } from '../ui/save-file.ts';
import { useStudio } from '../ui/studio.ts';
import { effectiveTool, TOOL_INFO, TOOLS_BY_KIND, type ToolName } from './tool-settings.ts';

function ToolButtons({ layer, tool }: { layer: ConditionLayer | undefined; tool: ToolName }) {
  const studio = useStudio();
  const names = layer ? TOOLS_BY_KIND[layer.kind] : (['pan'] as const);
  return (
    <div className="tool-buttons" role="toolbar" aria-label="Tools">
      {names.map((name) => (
        <button
          key={name}
          type="button"
          className={name === tool ? 'tool active' : 'tool'}
          aria-pressed={name === tool}
          title={`${TOOL_INFO[name].label} (${TOOL_INFO[name].key.toUpperCase()})`}
          onClick={() => studio.tools.set({ tool: name })}
        >
          {TOOL_INFO[name].label}
        </button>
      ))}
    </div>
  );
}

function PoseTools({ layer }: { layer: PoseLayer }) {
  const studio = useStudio();
  const { selectedPersonId } = useSmallStore(studio.tools);
  const fileRef = useRef<HTMLInputElement>(null);
  const scene = studio.scene.state;
  const target = layer.people.find((p) => p.id === selectedPersonId) ?? layer.people.at(-1);
  const onPerson = (f: (personId: string) => void) => () => target && f(target.id);

  async function loadJson(file: File) {
    try {
      const { people, droppedParts } = peopleFromOpenPoseJson(
        await file.text(),
        scene.width,
        scene.height,
        file.name,
      );
      studio.run(setPeople, { layerId: layer.id, people });
      studio.notices.show(
        'info',
        `Loaded ${people.length} ${people.length === 1 ? 'person' : 'people'} from ${file.name}` +
          (droppedParts ? ` (${droppedParts} hand/face parts are not edited here and were left out)` : ''),
      );
    } catch (err) {
      studio.notices.error(err, 'Load pose');
    }
  }

  return (
    <fieldset className="tool-options" aria-label="Pose">
      <button type="button" onClick={() => studio.run(addPerson, { layerId: layer.id })}>
        Add person
      </button>
      <button
        type="button"
        disabled={!target}
        onClick={onPerson((personId) => studio.run(mirrorPersonAction, { layerId: layer.id, personId }))}
      >
        Mirror
      </button>
      <button
        type="button"
        disabled={!target}
        aria-label="Scale person up"
        onClick={onPerson((personId) =>
          studio.run(scalePersonAction, { layerId: layer.id, personId, factor: 1.1 }),
        )}
      >
        Larger
      </button>
      <button
        type="button"
        disabled={!target}
        aria-label="Scale person down"
        onClick={onPerson((personId) =>
          studio.run(scalePersonAction, { layerId: layer.id, personId, factor: 1 / 1.1 }),
        )}
      >
        Smaller
      </button>
      <button
        type="button"
        disabled={!target}
        onClick={onPerson((personId) => studio.run(deletePerson, { layerId: layer.id, personId }))}
      >
        Delete person
      </button>
      <span className="sep" />
      <button type="button" onClick={() => fileRef.current?.click()}>
        Load pose JSON
      </button>
      <input
        ref={fileRef}
        type="file"
        accept=".json,application/json"
        hidden
        aria-label="Pose JSON file"
        data-testid="pose-json-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void loadJson(file);
        }}
      />
      <button
        type="button"
        disabled={layer.people.length === 0}
        onClick={() =>
          saveTextFile(
            `${layer.name.replace(/\W+/g, '_') || 'pose'}.json`,
            peopleToOpenPoseJson(layer.people, scene.width, scene.height),
          )
        }
      >
        Save pose JSON
      </button>
    </fieldset>
  );
}

function ToolOptions({ layer, tool }: { layer: ConditionLayer; tool: ToolName }) {
  const studio = useStudio();
  const t = useSmallStore(studio.tools);
  switch (tool) {
    case 'brush':
    case 'eraser':
    case 'line':
      return (
        <div className="tool-options">
          <NumberSlider
            label="Stroke width"
            min={1}
            max={64}
            step={1}
            value={t.strokeWidth}
            onChange={(v) => studio.tools.set({ strokeWidth: v })}
          />
        </div>
      );
    case 'depthBrush':
      return (
        <div className="tool-options">
          <NumberSlider
            label="Near / far"
            min={0}
            max={1}
            step={0.05}
            value={t.depthValue}
            onChange={(v) => studio.tools.set({ depthValue: v })}
            hint="1 = near (white), 0 = far (black)"
          />
          <NumberSlider
            label="Softness"
            min={0}
            max={1}
            step={0.05}
            value={t.depthSoftness}
            onChange={(v) => studio.tools.set({ depthSoftness: v })}
          />
          <NumberSlider
            label="Brush size"
            min={2}
            max={256}
            step={1}
            value={t.depthBrushWidth}
            onChange={(v) => studio.tools.set({ depthBrushWidth: v })}
          />
        </div>
      );
    case 'gradient':
      return (
        <div className="tool-options">
          <label>
            Shape{' '}
            <select
              value={t.gradientShape}
              onChange={(e) => studio.tools.set({ gradientShape: e.target.value as 'linear' | 'radial' })}
            >
              <option value="linear">Linear</option>
              <option value="radial">Radial</option>
            </select>
          </label>
          <NumberSlider
            label="Start depth"
            min={0}
            max={1}
            step={0.05}
            value={t.gradientFrom}
            onChange={(v) => studio.tools.set({ gradientFrom: v })}
          />
          <NumberSlider
            label="End depth"
            min={0}
            max={1}
            step={0.05}
            value={t.gradientTo}
            onChange={(v) => studio.tools.set({ gradientTo: v })}
          />
        </div>
      );
    case 'mask':
      return (
        <div className="tool-options">
          <label>
            Mask shape{' '}
            <select
              value={t.maskShape}
              onChange={(e) => studio.tools.set({ maskShape: e.target.value as 'rect' | 'ellipse' })}
            >
              <option value="rect">Rectangle</option>
              <option value="ellipse">Ellipse</option>
            </select>
          </label>
          <label>
            <input
              type="checkbox"
              disabled={!layer.mask}
              checked={layer.mask?.inverted ?? false}
              onChange={(e) =>
                layer.mask &&
                studio.run(setLayerMask, {
                  id: layer.id,
                  mask: { ...layer.mask, inverted: e.target.checked },
                })
              }
            />{' '}
            Invert
          </label>
          <button
            type="button"
            disabled={!layer.mask}
            onClick={() => studio.run(setLayerMask, { id: layer.id, mask: null })}
          >
            Remove mask
          </button>
          <span className="muted">Drag on the canvas to limit this layer to a region.</span>
        </div>
      );
    case 'pose':
      return layer.kind === 'pose' ? <PoseTools layer={layer} /> : null;
    default:
      return <span className="muted">Drag to pan; scroll to zoom.</span>;
  }
}

export function Toolbar() {
  const studio = useStudio();
  const scene = useScene(studio.scene);
  const t = useSmallStore(studio.tools);
  const layer = activeLayer(scene);
  const tool = effectiveTool(layer?.kind, t.tool);
  return (
    <div className="toolbar">
      <ToolButtons layer={layer} tool={tool} />
      {layer && <ToolOptions layer={layer} tool={tool} />}
      <button
        type="button"
        className="fit-button"
        title="Fit the canvas to the window"
        onClick={() => studio.view.set({ fitRequest: studio.view.value.fitRequest + 1 })}
      >
        Fit
      </button>
    </div>
  );
}
