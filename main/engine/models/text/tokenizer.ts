// The word-level tokenizer the project owns for its embedded text encoder: lowercase words learned
// from captions, four special tokens, a fixed context length. Deterministic: the same captions
// give the same vocabulary, and the same text the same ids.

export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;
export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;

export const TOKENIZER_FORMAT = 'scedit-word-tokenizer';
export const TOKENIZER_VERSION = 1;

export interface WordTokenizerJson {
  format: typeof TOKENIZER_FORMAT;
  version: number;
  contextLength: number;
  /** Index = token id; the first four are the special tokens. */
  vocab: string[];
}

export interface LearnVocabularyOptions {
  contextLength: number;
  /** Most words kept (special tokens not counted). */
  maxWords?: number;
  /** Words seen fewer times than this become <unk>. */
  minCount?: number;
}

/** Lowercased (NFKC) runs of letters and digits; punctuation separates words and is dropped. */
export function splitWords(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

export class WordTokenizer {
  private readonly ids: Map<string, number>;

  constructor(
    readonly vocab: readonly string[],
    readonly contextLength: number,
  ) {
    SPECIAL_TOKENS.forEach((token, i) => {
      if (vocab[i] !== token) throw new Error(`Tokenizer vocab[${i}] must be ${token}, found ${vocab[i]}.`);
    });
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new Error(`Tokenizer contextLength must be an integer >= 2, got ${contextLength}.`);
    }
    this.ids = new Map();
    vocab.forEach((word, i) => {
      if (this.ids.has(word))
        throw new Error(`Tokenizer vocab has "${word}" twice (ids ${this.ids.get(word)} and ${i}).`);
      this.ids.set(word, i);
    });
  }

  /** Learns the vocabulary: most frequent words first, ties in code-point order. */
  static learn(captions: Iterable<string>, options: LearnVocabularyOptions): WordTokenizer {
    const counts = new Map<string, number>();
    for (const caption of captions) {
      for (const word of splitWords(caption)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    const minCount = options.minCount ?? 1;
    const words = [...counts.entries()]
      .filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, options.maxWords ?? Number.POSITIVE_INFINITY)
      .map(([w]) => w);
    return new WordTokenizer([...SPECIAL_TOKENS, ...words], options.contextLength);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** [<bos>, words…, <eos>, <pad>…], exactly contextLength ids; long texts are cut, keeping <eos>. */
  encode(text: string): number[] {
    const words = splitWords(text).map((w) => this.ids.get(w) ?? UNK_ID);
    const body = words.slice(0, this.contextLength - 2);
    const ids = [BOS_ID, ...body, EOS_ID];
    while (ids.length < this.contextLength) ids.push(PAD_ID);
    return ids;
  }

  /** Ids -> words joined by spaces, without special tokens other than <unk>. */
  decode(ids: readonly number[]): string {
    const words: string[] = [];
    for (const id of ids) {
      if (id === EOS_ID) break;
      if (id === PAD_ID || id === BOS_ID) continue;
      const word = this.vocab[id];
      if (word === undefined)
        throw new Error(`Token id ${id} is outside the vocabulary (size ${this.vocabSize}).`);
      words.push(word);
    }
    return words.join(' ');
  }

  toJSON(): WordTokenizerJson {
    return {
      format: TOKENIZER_FORMAT,
      version: TOKENIZER_VERSION,
      contextLength: this.contextLength,
      vocab: [...this.vocab],
    };
  }

  /** Validates a parsed tokenizer file; `source` names it in errors. */
  static fromJSON(value: unknown, source = 'tokenizer'): WordTokenizer {
    if (typeof value !== 'object' || value === null) throw new Error(`${source}: not a JSON object.`);
    const v = value as Record<string, unknown>;
    if (v.format !== TOKENIZER_FORMAT) {
      throw new Error(`${source}: format is ${JSON.stringify(v.format)}, expected "${TOKENIZER_FORMAT}".`);
    }
    if (v.version !== TOKENIZER_VERSION) {
      throw new Error(
        `${source}: version ${JSON.stringify(v.version)} is not supported (${TOKENIZER_VERSION}).`,
      );
    }
    if (!Array.isArray(v.vocab) || !v.vocab.every((w) => typeof w === 'string')) {
      throw new Error(`${source}: vocab must be an array of strings.`);
    }
    if (typeof v.contextLength !== 'number') throw new Error(`${source}: contextLength must be a number.`);
    try {
      return new WordTokenizer(v.vocab as string[], v.contextLength);
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`);
    }
  }

  static parse(json: string, source = 'tokenizer'): WordTokenizer {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new Error(`${source}: not valid JSON (${(err as Error).message}).`);
    }
    return WordTokenizer.fromJSON(value, source);
  }

  serialize(): string {
    return `${JSON.stringify(this.toJSON(), null, 1)}\n`;
  }
}
