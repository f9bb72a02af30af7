// The handler table: one function per StudioApi method. The type makes a missing or extra
// method a compile error.
import type { StudioHandlers } from './context.ts';
import { runEngineJob } from './handlers/engine-job.ts';
import { annotate, cancel, debugJob, jobsList } from './handlers/job-handlers.ts';
import { settingsGet, settingsUpdate, systemInfo } from './handlers/system-handlers.ts';
import { unavailable } from './handlers/unavailable-handlers.ts';

const LIBRARY = 'main/library has not landed';
const TRAINER = 'main/engine/train has not landed';

export const studioHandlers: StudioHandlers = {
  generate: (params, studio, call) =>
    runEngineJob(studio, 'generate', call, 'generate', { request: params, tuners: [], previewEvery: 4 }),
  cancel,
  jobsList,
  annotate,
  trainScan: (params, studio) => studio.engine.run('trainScan', params),
  trainStart: unavailable('trainStart', TRAINER),
  trainCancel: unavailable('trainCancel', TRAINER),
  trainResume: unavailable('trainResume', TRAINER),
  trainRuns: unavailable('trainRuns', LIBRARY),
  tunersList: unavailable('tunersList', LIBRARY),
  tunersSearch: unavailable('tunersSearch', LIBRARY),
  tunersGet: unavailable('tunersGet', LIBRARY),
  tunersImport: unavailable('tunersImport', LIBRARY),
  tunersExport: unavailable('tunersExport', LIBRARY),
  tunersRename: unavailable('tunersRename', LIBRARY),
  tunersTag: unavailable('tunersTag', LIBRARY),
  tunersDelete: unavailable('tunersDelete', LIBRARY),
  historyList: unavailable('historyList', LIBRARY),
  historyGet: unavailable('historyGet', LIBRARY),
  historyDelete: unavailable('historyDelete', LIBRARY),
  recipeFromImage: unavailable('recipeFromImage', LIBRARY),
  modelsList: unavailable('modelsList', 'the embedded model has not landed'),
  settingsGet,
  settingsUpdate,
  systemInfo,
  debugJob,
};
