// A tuner's trigger words in the prompt: whether a phrase is already there (as whole words, any
// case) and the prompt with it added in front, where trainers put the instance words.

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function promptHasPhrase(prompt: string, phrase: string): boolean {
  const p = phrase.trim();
  if (!p) return true;
  const words = p.split(/\s+/).map(escapeRegExp).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${words}(?![\\p{L}\\p{N}])`, 'iu').test(prompt);
}

export function promptWithPhrase(prompt: string, phrase: string): string {
  const p = phrase.trim();
  if (promptHasPhrase(prompt, p)) return prompt;
  const rest = prompt.trim();
  return rest ? `${p}, ${rest}` : p;
}
