// Adding a tuner's trigger words to the prompt from the mixer: once, in front, never inside
// another word.
import { describe, expect, it } from 'vitest';
import { promptHasPhrase, promptWithPhrase } from '../../../renderer/src/api/trigger-words.ts';

describe('trigger words in the prompt', () => {
  it('finds a phrase as whole words in any case and spacing', () => {
    expect(promptHasPhrase('a photo of SKS  dog on grass', 'sks dog')).toBe(true);
    expect(promptHasPhrase('sks dog', 'sks dog')).toBe(true);
    expect(promptHasPhrase('masks dogs', 'sks dog')).toBe(false);
    expect(promptHasPhrase('twemoji, a cat', 'emoji')).toBe(false);
    expect(promptHasPhrase('café au lait', 'café')).toBe(true);
    // Characters that mean something to a regular expression are only text here.
    expect(promptHasPhrase('style (v2)+ ink', 'style (v2)+')).toBe(true);
    expect(promptHasPhrase('style v2 ink', 'style (v2)+')).toBe(false);
  });

  it('puts a missing phrase in front and leaves a prompt that has it alone', () => {
    expect(promptWithPhrase('a red apple', 'ink wash')).toBe('ink wash, a red apple');
    expect(promptWithPhrase('  ', 'ink wash')).toBe('ink wash');
    expect(promptWithPhrase('Ink Wash, a red apple', 'ink wash')).toBe('Ink Wash, a red apple');
  });
});
