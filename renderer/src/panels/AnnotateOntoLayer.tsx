import { useRef, useState } from 'react';
import type { AnnotateRequest } from '../../../shared/api/annotation-schemas.ts';
import { useApi } from '../api/connection.ts';
import { setLayerImage } from '../scene/layer-actions.ts';
import { setPeople } from '../scene/pose-actions.ts';
import { peopleFromOpenPoseJson } from '../scene/pose-json.ts';
import type { ConditionLayer, LayerKind } from '../scene/types.ts';
import { readFileAsDataUrl } from '../ui/read-file.ts';
import { useStudio } from '../ui/studio.ts';

const ANNOTATOR: Record<LayerKind, AnnotateRequest['kind']> = {
  edge: 'canny',
  scribble: 'scribble',
  depth: 'depth',
  pose: 'pose',
};

/** Load a photo onto the layer through its annotator (or as it is), then keep drawing on it. */
export function AnnotateOntoLayer({ layer }: { layer: ConditionLayer }) {
  const studio = useStudio();
  const api = useApi();
  const fileRef = useRef<HTMLInputElement>(null);
  const [low, setLow] = useState(100);
  const [high, setHigh] = useState(200);
  const [threshold, setThreshold] = useState<number | null>(null);
  const [minConfidence, setMinConfidence] = useState(0.3);
  const [asIs, setAsIs] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const annotator = ANNOTATOR[layer.kind];

  function request(image: string): AnnotateRequest {
    const { width, height } = studio.scene.state;
    const size = { width, height };
    switch (annotator) {
      case 'canny':
        return { kind: 'canny', image, low, high, ...size };
      case 'scribble':
        return { kind: 'scribble', image, threshold, ...size };
      case 'depth':
        return { kind: 'depth', image, model: null, ...size };
      case 'pose':
        return { kind: 'pose', image, minConfidence, maxPeople: 6, ...size };
    }
  }

  async function load(file: File) {
    try {
      const dataUrl = await readFileAsDataUrl(file);
      const { width, height } = studio.scene.state;
      if (asIs && layer.kind !== 'pose') {
        studio.run(setLayerImage, { id: layer.id, image: { dataUrl, width, height } });
        return;
      }
      if (!api) throw new Error('the annotators run in the studio engine, which is not connected');
      setBusy(`Running ${annotator} on ${file.name}…`);
      const req = request(dataUrl);
      const result = await api.annotate(req);
      if (layer.kind === 'pose') {
        if (!result.pose) throw new Error('the pose annotator returned no pose');
        const { people } = peopleFromOpenPoseJson(JSON.stringify(result.pose), width, height, file.name);
        studio.run(setPeople, { layerId: layer.id, people });
        studio.notices.show(
          'info',
          `Found ${people.length} ${people.length === 1 ? 'person' : 'people'} in ${file.name}`,
        );
      } else {
        const { image: _image, ...settings } = req;
        studio.run(setLayerImage, {
          id: layer.id,
          image: {
            dataUrl: `data:image/png;base64,${result.map}`,
            width: result.width,
            height: result.height,
            source: { annotator, settings },
          },
        });
      }
    } catch (err) {
      studio.notices.error(err, `Load ${file.name}`);
    } finally {
      setBusy(null);
    }
  }

  return (
    <fieldset className="annotate">
      <legend>Load a picture ({annotator} annotator)</legend>
      {annotator === 'canny' && (
        <div className="row">
          <label>
            Low{' '}
            <input
              type="number"
              min={0}
              max={1000}
              value={low}
              onChange={(e) => setLow(Number(e.target.value))}
            />
          </label>
          <label>
            High{' '}
            <input
              type="number"
              min={0}
              max={1000}
              value={high}
              onChange={(e) => setHigh(Number(e.target.value))}
            />
          </label>
        </div>
      )}
      {annotator === 'scribble' && (
        <label>
          Threshold (empty: automatic){' '}
          <input
            type="number"
            min={0}
            max={255}
            value={threshold ?? ''}
            onChange={(e) => setThreshold(e.target.value === '' ? null : Number(e.target.value))}
          />
        </label>
      )}
      {annotator === 'pose' && (
        <label>
          Min. confidence{' '}
          <input
            type="number"
            min={0}
            max={1}
            step={0.05}
            value={minConfidence}
            onChange={(e) => setMinConfidence(Number(e.target.value))}
          />
        </label>
      )}
      {layer.kind !== 'pose' && (
        <label>
          <input type="checkbox" checked={asIs} onChange={(e) => setAsIs(e.target.checked)} /> Use the picture
          as the map (no annotator)
        </label>
      )}
      <div className="button-row">
        <button
          type="button"
          disabled={busy !== null || (!api && !asIs)}
          onClick={() => fileRef.current?.click()}
        >
          Choose picture…
        </button>
        {layer.image && (
          <button type="button" onClick={() => studio.run(setLayerImage, { id: layer.id, image: null })}>
            Remove picture
          </button>
        )}
      </div>
      {!api && !asIs && <p className="muted">Annotators need the studio engine (not connected).</p>}
      {busy && <p role="status">{busy}</p>}
      <input
        ref={fileRef}
        type="file"
        accept="image/png,image/jpeg,image/webp,image/bmp"
        hidden
        aria-label={`Picture for ${layer.name}`}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void load(file);
        }}
      />
    </fieldset>
  );
}
