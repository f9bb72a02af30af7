// "Use" on a library tuner: where it lands in the Studio and at what weight.
import { describe, expect, it } from 'vitest';
import { addTunerToStudio, type UsableTuner } from '../../../renderer/src/api/add-tuner-to-studio.ts';
import { addLayer, updateLayerSettings } from '../../../renderer/src/scene/layer-actions.ts';
import { createStudio } from '../../../renderer/src/ui/studio.ts';

const style = (id: string, preferredWeight: number | null = null): UsableTuner => ({
  id,
  name: `style ${id}`,
  kind: 'sc',
  condition: null,
  preferredWeight,
});
const pose: UsableTuner = { id: 'p1', name: 'My poses', kind: 'csc', condition: 'pose', preferredWeight: 2 };

describe('addTunerToStudio', () => {
  it('mixes a style tuner once, at the weight it starts at, and refuses a ninth', () => {
    const studio = createStudio();
    expect(addTunerToStudio(studio, style('a', 0.7))).toBe('Added "style a" to the mix');
    expect(addTunerToStudio(studio, style('a', 0.7))).toBe('"style a" is already in the mix');
    expect(studio.generation.value.styleTuners).toEqual([{ tunerId: 'a', scale: 0.7 }]);
    for (let i = 1; i < 8; i++) addTunerToStudio(studio, style(`s${i}`));
    expect(studio.generation.value.styleTuners).toHaveLength(8);
    expect(studio.generation.value.styleTuners[1]).toEqual({ tunerId: 's1', scale: 1 });
    expect(() => addTunerToStudio(studio, style('ninth'))).toThrow(/at most 8 style tuners/);
  });

  it("adds a layer for a condition tuner when there is none, else takes over the first of its kind, keeping the artist's drawing", () => {
    const studio = createStudio();
    expect(addTunerToStudio(studio, pose)).toMatch(/"My poses" drives the layer/);
    expect(studio.scene.state.layers).toHaveLength(1);
    expect(studio.scene.state.layers[0]).toMatchObject({ kind: 'pose', tunerId: 'p1', weight: 2 });

    const other = createStudio();
    other.run(addLayer, { kind: 'edge' });
    other.run(addLayer, { kind: 'pose' });
    other.run(addLayer, { kind: 'pose' });
    const first = other.scene.state.layers.find((l) => l.kind === 'pose')!;
    other.run(updateLayerSettings, { id: first.id, patch: { tunerId: 'shipped', weight: 1.5 } });
    addTunerToStudio(other, pose);
    expect(other.scene.state.layers).toHaveLength(3);
    expect(other.scene.state.layers.find((l) => l.id === first.id)).toMatchObject({
      tunerId: 'p1',
      weight: 2,
    });
  });
});
