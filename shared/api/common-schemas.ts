// Building blocks shared by the StudioApi schemas. Pure TypeScript + zod: no Node, no DOM.
import { z } from 'zod';

/** Library ids (tuners, generations, training runs, models) travel as strings. */
export const Id = z.string().trim().min(1, 'must not be empty').max(200);

export const CONDITION_KINDS = ['canny', 'depth', 'pose', 'scribble'] as const;
export const ConditionKind = z.enum(CONDITION_KINDS);
export type ConditionKind = z.infer<typeof ConditionKind>;

export const TUNER_KINDS = ['sc', 'csc'] as const;
export const TunerKind = z.enum(TUNER_KINDS);
export type TunerKind = z.infer<typeof TunerKind>;

/** 48 MiB of base64 (36 MiB of image): well above a 2048² PNG, below the WebSocket limit. */
export const MAX_IMAGE_BASE64_CHARS = 48 * 2 ** 20;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL_PREFIX = /^data:image\/[a-z0-9.+-]+;base64,/i;

/**
 * An image's bytes (PNG, JPEG, WebP or BMP) as base64. A `data:image/...;base64,` URL, as a
 * canvas's toDataURL gives it, is accepted too; the parsed value is the bare base64.
 */
export const ImageBase64 = z
  .string()
  .max(MAX_IMAGE_BASE64_CHARS, `image is larger than ${MAX_IMAGE_BASE64_CHARS / 2 ** 20} MiB of base64`)
  .transform((s) => s.replace(DATA_URL_PREFIX, ''))
  .refine((s) => s.length > 0, 'image is empty')
  .refine((s) => s.length % 4 === 0 && BASE64.test(s), 'image is not valid base64');

/**
 * A file inside the library's file store, named by its path relative to the store root.
 * Clients turn it into a URL with StudioClient.fileUrl (studio-file: in Electron, /files/ over HTTP).
 */
export const FileRef = z.object({
  storePath: z.string().min(1).max(400),
  mime: z.string().min(1).max(100),
});
export type FileRef = z.infer<typeof FileRef>;

export const Page = {
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(50),
};

/** ISO 8601 timestamps. */
export const Timestamp = z.string().min(1);

export const Empty = z.object({}).strict().default({});
