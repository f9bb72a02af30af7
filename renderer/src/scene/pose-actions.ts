import { defineAction } from './action.ts';
import { isPoseLayer, replaceLayer } from './layer-access.ts';
import { mirrorPerson, moveJoint, scalePerson, standingPerson, translatePerson } from './pose-geometry.ts';
import type { Point, PoseLayer, PosePerson, SceneState } from './types.ts';

function updatePeople(
  state: SceneState,
  layerId: string,
  update: (people: readonly PosePerson[], layer: PoseLayer) => readonly PosePerson[] | null,
): SceneState | null {
  return replaceLayer(state, layerId, (layer) => {
    if (!isPoseLayer(layer))
      throw new Error(`Layer "${layer.name}" is a ${layer.kind} layer, not a pose layer`);
    const people = update(layer.people, layer);
    return people === null ? null : { ...layer, people };
  });
}

function updatePerson(
  state: SceneState,
  layerId: string,
  personId: string,
  update: (person: PosePerson) => PosePerson,
): SceneState | null {
  return updatePeople(state, layerId, (people) => {
    const index = people.findIndex((p) => p.id === personId);
    const person = people[index];
    if (!person) return null;
    const next = [...people];
    next[index] = update(person);
    return next;
  });
}

/** Adds a standing person; without a centre, in the middle of the canvas, offset per person. */
export const addPerson = defineAction<{ layerId: string; center?: Point; id?: string }>({
  name: 'addPerson',
  label: 'Add person',
  undoable: true,
  perform(state, { layerId, center, id }) {
    return updatePeople(state, layerId, (people) => {
      const height = state.height * 0.8;
      const offset = (people.length % 4) * height * 0.25;
      const at: Point = center ?? [
        state.width / 2 + offset - (people.length ? height * 0.35 : 0),
        state.height / 2,
      ];
      return [...people, standingPerson(at, height, id)];
    });
  },
});

export const deletePerson = defineAction<{ layerId: string; personId: string }>({
  name: 'deletePerson',
  label: 'Delete person',
  undoable: true,
  perform(state, { layerId, personId }) {
    return updatePeople(state, layerId, (people) =>
      people.some((p) => p.id === personId) ? people.filter((p) => p.id !== personId) : null,
    );
  },
});

export const moveJointAction = defineAction<{ layerId: string; personId: string; joint: number; to: Point }>({
  name: 'moveJoint',
  label: 'Move joint',
  undoable: true,
  perform(state, { layerId, personId, joint, to }) {
    return updatePerson(state, layerId, personId, (p) => moveJoint(p, joint, to));
  },
});

export const movePerson = defineAction<{ layerId: string; personId: string; dx: number; dy: number }>({
  name: 'movePerson',
  label: 'Move person',
  undoable: true,
  perform(state, { layerId, personId, dx, dy }) {
    if (dx === 0 && dy === 0) return null;
    return updatePerson(state, layerId, personId, (p) => translatePerson(p, dx, dy));
  },
});

export const scalePersonAction = defineAction<{ layerId: string; personId: string; factor: number }>({
  name: 'scalePerson',
  label: 'Scale person',
  undoable: true,
  perform(state, { layerId, personId, factor }) {
    if (!(Number.isFinite(factor) && factor > 0))
      throw new Error(`Scale factor must be positive, got ${factor}`);
    if (factor === 1) return null;
    return updatePerson(state, layerId, personId, (p) => scalePerson(p, factor));
  },
});

export const mirrorPersonAction = defineAction<{ layerId: string; personId: string }>({
  name: 'mirrorPerson',
  label: 'Mirror person',
  undoable: true,
  perform(state, { layerId, personId }) {
    return updatePerson(state, layerId, personId, mirrorPerson);
  },
});

/** Replaces the layer's people, e.g. from an OpenPose JSON file or the pose annotator. */
export const setPeople = defineAction<{ layerId: string; people: readonly PosePerson[] }>({
  name: 'setPeople',
  label: 'Load pose',
  undoable: true,
  perform(state, { layerId, people }) {
    return updatePeople(state, layerId, () => people);
  },
});
