// The handler table: one function per StudioApi method. The type makes a missing or extra
// method a compile error.
import type { StudioHandlers } from './context.ts';
import { chooseFolder } from './handlers/dialog-handlers.ts';
import { generate, modelsList } from './handlers/generation-handlers.ts';
import { annotate, cancel, debugJob, jobsList } from './handlers/job-handlers.ts';
import {
  historyDelete,
  historyGet,
  historyList,
  recipeFromImage,
  tunersDelete,
  tunersExport,
  tunersGet,
  tunersImport,
  tunersList,
  tunersRename,
  tunersSearch,
  tunersTag,
  tunersUpdate,
} from './handlers/library-handlers.ts';
import { settingsGet, settingsUpdate, systemInfo } from './handlers/system-handlers.ts';
import { trainCancel, trainResume, trainRuns, trainScan, trainStart } from './handlers/training-handlers.ts';

export const studioHandlers: StudioHandlers = {
  generate,
  cancel,
  jobsList,
  annotate,
  trainScan,
  trainStart,
  trainCancel,
  trainResume,
  trainRuns,
  tunersList,
  tunersSearch,
  tunersGet,
  tunersImport,
  tunersExport,
  tunersRename,
  tunersTag,
  tunersUpdate,
  tunersDelete,
  historyList,
  historyGet,
  historyDelete,
  recipeFromImage,
  modelsList,
  settingsGet,
  settingsUpdate,
  systemInfo,
  chooseFolder,
  debugJob,
};
