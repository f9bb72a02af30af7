import { effectiveTool, TOOL_INFO, TOOLS_BY_KIND } from '../canvas/tool-settings.ts';
import { type KeyEventLike, matchesKey } from '../scene/action.ts';
import { redo, undo } from '../scene/history-actions.ts';
import { activeLayer } from '../scene/layer-access.ts';
import { deletePerson } from '../scene/pose-actions.ts';
import type { Studio } from './studio.ts';

const HISTORY = [undo, redo];

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return (
    tag === 'TEXTAREA' ||
    tag === 'SELECT' ||
    (tag === 'INPUT' &&
      (target as HTMLInputElement).type !== 'range' &&
      (target as HTMLInputElement).type !== 'checkbox') ||
    target.isContentEditable
  );
}

/** Studio-wide keys: undo/redo, tool letters, Delete for the selected person. Returns true when handled. */
export function handleStudioKey(
  studio: Studio,
  event: KeyEventLike & { target: EventTarget | null },
): boolean {
  if (isTyping(event.target)) return false;
  for (const action of HISTORY) {
    if (action.keys?.some((k) => matchesKey(event, k))) {
      studio.run(action, undefined);
      return true;
    }
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  const layer = activeLayer(studio.scene.state);
  if (!layer) return false;
  const tools = studio.tools.value;
  if (
    (event.key === 'Delete' || event.key === 'Backspace') &&
    layer.kind === 'pose' &&
    tools.selectedPersonId
  ) {
    studio.run(deletePerson, { layerId: layer.id, personId: tools.selectedPersonId });
    return true;
  }
  const tool = TOOLS_BY_KIND[layer.kind].find((t) => TOOL_INFO[t].key === event.key.toLowerCase());
  if (tool && effectiveTool(layer.kind, tool) === tool) {
    studio.tools.set({ tool });
    return true;
  }
  return false;
}
