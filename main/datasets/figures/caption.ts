// The caption of a figure scene, from its labels alone (so captions and labels always agree).
import type { FigureSceneLabels } from './figure-scene.ts';
import { POSE_PHRASES } from './pose-families.ts';

const FACING_PHRASES = {
  viewer: 'facing the viewer',
  left: 'facing left',
  right: 'facing right',
  away: 'facing away',
} as const;

/** e.g. "a blue figure raising both arms, facing left, beside a yellow ball, green ground, evening sky" */
export function figureCaption(labels: FigureSceneLabels): string {
  let text = `${article(labels.figureColor)} ${labels.figureColor} figure ${POSE_PHRASES[labels.pose]}, ${FACING_PHRASES[labels.facing]}`;
  if (labels.object !== 'none' && labels.objectColor)
    text += `, beside ${article(labels.objectColor)} ${labels.objectColor} ${labels.object}`;
  return `${text}, ${labels.ground} ground, ${labels.timeOfDay} sky`;
}

function article(word: string): 'a' | 'an' {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
