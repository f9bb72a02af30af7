// Captions for emoji pictures: the emoji's name, its short names where they add words, its
// sub-category as a plain word, the skin tone, and the background it was put on.
import type { EmojiEntry } from './emoji-catalog.ts';

/** Sub-category prefixes that only repeat the category ("food-fruit" says "fruit"). */
const REDUNDANT_PREFIXES = ['food-', 'animal-', 'plant-', 'place-', 'transport-'];

export function emojiNamePhrase(entry: EmojiEntry): string {
  return entry.name.toLowerCase().replace(/:\s*/g, ', ').replace(/\s+/g, ' ').trim();
}

export function subcategoryPhrase(subcategory: string): string {
  const prefix = REDUNDANT_PREFIXES.find((p) => subcategory.startsWith(p));
  return (prefix ? subcategory.slice(prefix.length) : subcategory).replace(/-/g, ' ');
}

/** e.g. "red apple, fruit" or "thumbs up sign, +1, thumbsup, hand fingers closed, medium skin tone" */
export function emojiCaption(entry: EmojiEntry, background?: string): string {
  const name = emojiNamePhrase(entry);
  const parts = [name];
  const seen = new Set(name.split(/[\s,]+/));
  for (const short of entry.shortNames) {
    // Flag codes ("flag-eg") and spellings of the name add nothing.
    if (/^flag-[a-z]{2,}$/.test(short) || /^[a-z]{2}$/.test(short)) continue;
    const words = short.replace(/[_-]/g, ' ').trim();
    if (words.split(' ').every((w) => seen.has(w))) continue;
    for (const w of words.split(' ')) seen.add(w);
    parts.push(words);
  }
  if (entry.subcategory) {
    const sub = subcategoryPhrase(entry.subcategory);
    if (!sub.split(' ').every((w) => seen.has(w))) parts.push(sub);
  }
  if (entry.skinTones.length > 0) {
    const tones = [...new Set(entry.skinTones)];
    parts.push(tones.length === 1 ? `${tones[0]} skin tone` : `${tones.join(' and ')} skin tones`);
  }
  if (background) parts.push(`on ${background}`);
  return parts.join(', ');
}
