import type { KonvaEventObject } from 'konva/lib/Node';
import { useState } from 'react';
import { Circle, Group, Line, Rect } from 'react-konva';
import { OPENPOSE_COLORS, OPENPOSE_KEYPOINT_NAMES, OPENPOSE_LIMBS } from '../../../shared/pose/openpose.ts';
import { moveJointAction, movePerson } from '../scene/pose-actions.ts';
import { personBounds } from '../scene/pose-geometry.ts';
import type { Point, PoseLayer, PosePerson } from '../scene/types.ts';
import { useSmallStore } from '../ui/hooks.ts';
import { useStudio } from '../ui/studio.ts';

function rgb(c: readonly [number, number, number]): string {
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

interface JointDrag {
  readonly personId: string;
  readonly joint: number;
  readonly at: Point;
}

function PersonSkeleton({
  person,
  index,
  layerId,
  zoom,
  selected,
  drag,
  onDrag,
}: {
  person: PosePerson;
  index: number;
  layerId: string;
  zoom: number;
  selected: boolean;
  drag: JointDrag | null;
  onDrag: (d: JointDrag | null) => void;
}) {
  const studio = useStudio();
  const [offset, setOffset] = useState<Point | null>(null);
  const keypoints = person.keypoints.map((p, j) =>
    drag && drag.personId === person.id && drag.joint === j ? drag.at : p,
  );
  const bounds = personBounds(person);
  const select = () => studio.tools.set({ selectedPersonId: person.id });
  const pad = 12 / zoom;

  function endJointDrag(joint: number, e: KonvaEventObject<DragEvent>) {
    onDrag(null);
    studio.run(moveJointAction, { layerId, personId: person.id, joint, to: [e.target.x(), e.target.y()] });
  }

  return (
    <>
      {bounds && (
        <Rect
          name={`person-box person-${index}`}
          x={bounds.x - pad}
          y={bounds.y - pad}
          width={bounds.width + 2 * pad}
          height={bounds.height + 2 * pad}
          stroke={selected ? '#7aa2ff' : 'rgba(255,255,255,0.25)'}
          strokeWidth={1 / zoom}
          dash={[4 / zoom, 4 / zoom]}
          fill="rgba(122,162,255,0.04)"
          draggable
          onPointerDown={select}
          onDragMove={(e) => setOffset([e.target.x() - (bounds.x - pad), e.target.y() - (bounds.y - pad)])}
          onDragEnd={(e) => {
            const dx = e.target.x() - (bounds.x - pad);
            const dy = e.target.y() - (bounds.y - pad);
            setOffset(null);
            e.target.position({ x: bounds.x - pad, y: bounds.y - pad });
            studio.run(movePerson, { layerId, personId: person.id, dx, dy });
          }}
        />
      )}
      <Group x={offset?.[0] ?? 0} y={offset?.[1] ?? 0}>
        {OPENPOSE_LIMBS.map(([a, b], limb) => {
          const p = keypoints[a];
          const q = keypoints[b];
          if (!p || !q) return null;
          return (
            <Line
              key={`limb-${a}-${b}`}
              points={[p[0], p[1], q[0], q[1]]}
              stroke={rgb(OPENPOSE_COLORS[limb]!)}
              strokeWidth={4 / zoom}
              opacity={0.85}
              lineCap="round"
              listening={false}
            />
          );
        })}
        {keypoints.map((p, j) =>
          p ? (
            <Circle
              // biome-ignore lint/suspicious/noArrayIndexKey: the index is the OpenPose point id
              key={j}
              name={`joint joint-${index}-${j}`}
              x={p[0]}
              y={p[1]}
              radius={6 / zoom}
              fill={rgb(OPENPOSE_COLORS[j]!)}
              stroke={selected ? '#ffffff' : '#000000'}
              strokeWidth={1.5 / zoom}
              hitStrokeWidth={8 / zoom}
              draggable
              onPointerDown={select}
              onDragMove={(e) => onDrag({ personId: person.id, joint: j, at: [e.target.x(), e.target.y()] })}
              onDragEnd={(e) => endJointDrag(j, e)}
              onMouseEnter={(e) => {
                const c = e.target.getStage()?.container();
                if (c) c.title = OPENPOSE_KEYPOINT_NAMES[j]!.replace('_', ' ');
              }}
            />
          ) : null,
        )}
      </Group>
    </>
  );
}

/** Joints to drag and a box per person to move them; limbs follow while dragging. */
export function PoseEditor({ layer, zoom }: { layer: PoseLayer; zoom: number }) {
  const studio = useStudio();
  const { selectedPersonId } = useSmallStore(studio.tools);
  const [drag, setDrag] = useState<JointDrag | null>(null);
  return (
    <>
      {layer.people.map((person, i) => (
        <PersonSkeleton
          key={person.id}
          person={person}
          index={i}
          layerId={layer.id}
          zoom={zoom}
          selected={person.id === selectedPersonId}
          drag={drag}
          onDrag={setDrag}
        />
      ))}
    </>
  );
}
