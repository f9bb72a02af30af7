// The engine's base models, listed once for the whole window. This lives above the views, not
// in the Generate panel: an artist who opens the Train tab first and adds a trained tuner to
// the mixer must still find the canvas at the model's size when they come back to the Studio.
import { useEffect } from 'react';
import { canvasSizeForModel, followModelSize, toolWidthsFor } from '../scene/model-size.ts';
import { useSmallStore } from '../ui/hooks.ts';
import { useStudio } from '../ui/studio.ts';
import { useApi } from './connection.ts';

export function useBaseModels(): void {
  const studio = useStudio();
  const api = useApi();
  const { baseModel } = useSmallStore(studio.generation);
  const { models } = useSmallStore(studio.view);

  useEffect(() => {
    if (!api) return;
    let live = true;
    api.modelsList({}).then(
      ({ models }) => {
        if (!live) return;
        studio.view.set({ models, modelsSettled: true });
        if (studio.generation.value.baseModel === null) {
          const def = models.find((m) => m.isDefault) ?? models[0];
          if (def) studio.generation.set({ baseModel: def.id });
        }
      },
      (err) => {
        if (!live) return;
        studio.view.set({ modelsSettled: true });
        studio.notices.error(err, 'List base models');
      },
    );
    return () => {
      live = false;
    };
  }, [api, studio]);

  // A restored recipe may name its model by name or hash; the engine wants the id.
  useEffect(() => {
    if (!models || baseModel === null || models.some((m) => m.id === baseModel)) return;
    const match = models.find((m) => m.name === baseModel || (m.hash !== null && m.hash === baseModel));
    if (match) studio.generation.set({ baseModel: match.id });
  }, [models, baseModel, studio]);

  // The canvas takes the chosen model's native size until the artist picks one or draws.
  useEffect(() => {
    const model = models?.find((m) => m.id === baseModel);
    if (!model) return;
    const view = studio.view.value;
    const next = canvasSizeForModel(studio.scene.state, view.modelCanvasSize, model.resolution);
    if (!next) return;
    const tools = studio.tools.value;
    const oldWidths = toolWidthsFor(view.modelCanvasSize);
    if (tools.strokeWidth === oldWidths.strokeWidth && tools.depthBrushWidth === oldWidths.depthBrushWidth)
      studio.tools.set(toolWidthsFor(next));
    studio.view.set({ modelCanvasSize: next });
    studio.run(followModelSize, next);
  }, [models, baseModel, studio]);
}
