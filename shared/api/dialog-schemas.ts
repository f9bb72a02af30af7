// StudioApi: native dialogs. Only the desktop app has them; a browser over the server gets an
// 'unavailable' error and types paths instead.
import { z } from 'zod';

export const ChooseFolderRequest = z
  .object({
    /** The dialog's title, e.g. "Folder of training pictures". */
    title: z.string().trim().min(1).max(200).default('Choose a folder'),
    /** Where the dialog opens: an absolute path; null: the system's choice. */
    defaultPath: z.string().trim().min(1).max(4096).nullable().default(null),
  })
  .strict()
  .default({ title: 'Choose a folder', defaultPath: null });
export type ChooseFolderRequest = z.infer<typeof ChooseFolderRequest>;

export const ChooseFolderResult = z.union([
  z.object({ path: z.string().min(1) }),
  z.object({ cancelled: z.literal(true) }),
]);
export type ChooseFolderResult = z.infer<typeof ChooseFolderResult>;
