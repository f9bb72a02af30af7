import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { embedded } from '../../../../main/engine/models/configs/embedded.ts';
import { sd15 } from '../../../../main/engine/models/configs/sd15.ts';
import { EmbeddedTextEncoder } from '../../../../main/engine/models/text/text-encoder.ts';
import { TextTransformer } from '../../../../main/engine/models/text/text-transformer.ts';
import {
  BOS_ID,
  EOS_ID,
  PAD_ID,
  splitWords,
  UNK_ID,
  WordTokenizer,
} from '../../../../main/engine/models/text/tokenizer.ts';
import { torchShape } from '../../../../main/engine/nn/params.ts';

const captions = [
  'A red apple, fruit',
  'grinning face with big eyes',
  'a blue figure raising both arms beside a yellow ball',
  'red ball on green ground',
  'Grinning CAT face — smiling eyes',
];

beforeAll(async () => {
  await initBackend();
});

describe('word tokenizer', () => {
  it('splits lowercase words and drops punctuation', () => {
    expect(splitWords("Grinning CAT face — smiling eyes, don't")).toEqual([
      'grinning',
      'cat',
      'face',
      'smiling',
      'eyes',
      'don',
      't',
    ]);
  });

  it('learns a deterministic vocabulary: most frequent first, ties alphabetical, specials first', () => {
    const tok = WordTokenizer.learn(captions, { contextLength: 8 });
    expect(tok.vocab.slice(0, 4)).toEqual(['<pad>', '<bos>', '<eos>', '<unk>']);
    expect(tok.vocab.slice(4, 10)).toEqual(['a', 'ball', 'eyes', 'face', 'grinning', 'red']);
    const again = WordTokenizer.learn([...captions].reverse(), { contextLength: 8 });
    expect(again.vocab).toEqual(tok.vocab);
    const small = WordTokenizer.learn(captions, { contextLength: 8, minCount: 2, maxWords: 3 });
    expect(small.vocab).toEqual(['<pad>', '<bos>', '<eos>', '<unk>', 'a', 'ball', 'eyes']);
  });

  it('encodes to exactly contextLength ids with bos/eos/pad, and decodes back', () => {
    const tok = WordTokenizer.learn(captions, { contextLength: 8 });
    const ids = tok.encode('Red apple!');
    expect(ids).toHaveLength(8);
    expect(ids[0]).toBe(BOS_ID);
    expect(ids[3]).toBe(EOS_ID);
    expect(ids.slice(4)).toEqual([PAD_ID, PAD_ID, PAD_ID, PAD_ID]);
    expect(tok.decode(ids)).toBe('red apple');
    expect(tok.encode('purple apple')[1]).toBe(UNK_ID);
    expect(tok.decode(tok.encode('purple apple'))).toBe('<unk> apple');
    const long = tok.encode('a a a a a a a a a a red');
    expect(long).toHaveLength(8);
    expect(long[7]).toBe(EOS_ID);
    expect(tok.encode('')).toEqual([BOS_ID, EOS_ID, 0, 0, 0, 0, 0, 0]);
    const roomy = WordTokenizer.learn(captions, { contextLength: 16 });
    for (const c of captions) expect(roomy.decode(roomy.encode(c))).toBe(splitWords(c).join(' '));
  });

  it('saves and loads as JSON, round trip exact; bad files are rejected with the reason', () => {
    const tok = WordTokenizer.learn(captions, { contextLength: 8 });
    const loaded = WordTokenizer.parse(tok.serialize(), 'tok.json');
    expect(loaded.vocab).toEqual(tok.vocab);
    expect(loaded.contextLength).toBe(8);
    expect(loaded.serialize()).toBe(tok.serialize());
    for (const c of captions) expect(loaded.encode(c)).toEqual(tok.encode(c));
    expect(() => WordTokenizer.parse('{', 'tok.json')).toThrow(/tok.json: not valid JSON/);
    const json = tok.toJSON();
    expect(() => WordTokenizer.fromJSON({ ...json, format: 'bpe' }, 'tok.json')).toThrow(/tok.json: format/);
    expect(() => WordTokenizer.fromJSON({ ...json, version: 9 }, 'tok.json')).toThrow(/version 9/);
    expect(() => WordTokenizer.fromJSON({ ...json, vocab: ['<pad>', 'x'] }, 'tok.json')).toThrow(
      /vocab\[1\] must be <bos>/,
    );
    expect(() => WordTokenizer.fromJSON({ ...json, vocab: [...json.vocab, 'red'] }, 'tok.json')).toThrow(
      /"red" twice/,
    );
    expect(() => WordTokenizer.fromJSON({ ...json, contextLength: 1 }, 'tok.json')).toThrow(/contextLength/);
  });
});

describe('text encoder', () => {
  it('the sd15 text config has CLIP ViT-L/14 text parameters and HF names', () => {
    const clip = TextTransformer.describe(sd15.text);
    expect(clip.params.count()).toBe(123_060_480);
    const shapes = new Map(clip.params.specs().map((s) => [s.name, torchShape(s)]));
    expect(shapes.get('text_model.embeddings.token_embedding.weight')).toEqual([49408, 768]);
    expect(shapes.get('text_model.embeddings.position_embedding.weight')).toEqual([77, 768]);
    expect(shapes.get('text_model.encoder.layers.11.self_attn.q_proj.weight')).toEqual([768, 768]);
    expect(shapes.get('text_model.encoder.layers.0.mlp.fc1.weight')).toEqual([3072, 768]);
    expect(shapes.get('text_model.final_layer_norm.weight')).toEqual([768]);
  });

  it('encodes prompts to [B, T, D]; causal attention makes padding irrelevant to earlier tokens', () => {
    const tok = WordTokenizer.learn(captions, { contextLength: embedded.text.contextLength });
    const enc = new EmbeddedTextEncoder(tok, embedded.text, { seed: 3 });
    expect(enc.contextLength).toBe(24);
    expect(enc.contextDim).toBe(192);
    const ctx = enc.encode(['red apple', 'grinning face with big eyes']);
    expect(ctx.shape).toEqual([2, 24, 192]);
    // "red apple" and "red apple ball" share the first three positions (bos, red, apple).
    const longer = enc.encode(['red apple ball']);
    const diff = tf.max(
      tf.abs(tf.sub(tf.slice(ctx, [0, 0, 0], [1, 3, 192]), tf.slice(longer, [0, 0, 0], [1, 3, 192]))),
    );
    expect(diff.dataSync()[0]).toBeLessThan(1e-5);
    const empty = enc.emptyContext(3);
    expect(empty.shape).toEqual([3, 24, 192]);
    const single = enc.encode(['']);
    expect(Array.from(tf.slice(empty, [2, 0, 0], [1, 24, 192]).dataSync())).toEqual(
      Array.from(single.dataSync()),
    );
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      enc.encode(['red ball']).dispose();
      enc.emptyContext(2).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    enc.dispose();
  });

  it('refuses a tokenizer that does not fit the config', () => {
    const tok = WordTokenizer.learn(captions, { contextLength: 8 });
    expect(() => new EmbeddedTextEncoder(tok, embedded.text, { allocate: false })).toThrow(
      /contextLength 24 does not match the tokenizer's 8/,
    );
    expect(
      () =>
        new EmbeddedTextEncoder(
          tok,
          { ...embedded.text, contextLength: 8, vocabSize: 5 },
          { allocate: false },
        ),
    ).toThrow(/tokenizer has \d+ tokens but .* vocabSize is 5/);
  });
});
