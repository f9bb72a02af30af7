// The StudioApi method table: every operation the UI, the server and the CLI can ask for, named
// once, with the schema its input is validated against and the shape of its answer. Job methods
// are queued (one compute job at a time) and stream JobProgress events while they run.
import { z } from 'zod';
import { AnnotateRequest, AnnotateResult } from './annotation-schemas.ts';
import { Empty } from './common-schemas.ts';
import { ChooseFolderRequest, ChooseFolderResult } from './dialog-schemas.ts';
import { GenerateRequest, GenerateResult, GenerationRecord } from './generation-schemas.ts';
import {
  DeleteResult,
  GenerationIdRequest,
  HistoryListRequest,
  HistoryPage,
  ModelsList,
  RecipeFromImageRequest,
  RecipeFromImageResult,
  TunerDetail,
  TunerIdRequest,
  TunerPage,
  TunerSummary,
  TunersExportRequest,
  TunersExportResult,
  TunersImportRequest,
  TunersListRequest,
  TunersRenameRequest,
  TunersSearchRequest,
  TunersTagRequest,
  TunersUpdateRequest,
} from './library-schemas.ts';
import {
  CancelRequest,
  CancelResult,
  DebugJobRequest,
  DebugJobResult,
  JobsList,
  Settings,
  SettingsUpdate,
  SystemInfo,
} from './system-schemas.ts';
import {
  TrainingRunSummary,
  TrainResult,
  TrainResumeRequest,
  TrainScanReport,
  TrainScanRequest,
  TrainStartRequest,
} from './training-schemas.ts';

export interface MethodSpec {
  input: z.ZodType;
  output: z.ZodType;
  /** Queued on the engine, cancellable, reports progress. */
  job: boolean;
  summary: string;
}

const call = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) =>
  ({ input, output, job: false, summary }) as const;
const job = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) =>
  ({ input, output, job: true, summary }) as const;

const RunIdRequest = z.object({ runId: z.string().min(1).max(200) });

export const STUDIO_METHODS = {
  generate: job(
    GenerateRequest,
    GenerateResult,
    'generate images from a prompt, tuners and condition layers',
  ),
  cancel: call(CancelRequest, CancelResult, 'cancel a queued or running job'),
  jobsList: call(Empty, JobsList, 'the queued and running jobs with their latest progress'),
  annotate: job(
    AnnotateRequest,
    AnnotateResult,
    'extract a condition map (canny, pose, depth, scribble) from a picture',
  ),
  trainScan: call(
    TrainScanRequest,
    TrainScanReport,
    'check a training folder: usable images, skipped files, memory',
  ),
  trainStart: job(TrainStartRequest, TrainResult, 'train a tuner from a folder of pictures'),
  trainCancel: call(RunIdRequest, CancelResult, 'stop a training run, keeping its last checkpoint'),
  trainResume: job(TrainResumeRequest, TrainResult, 'continue a stopped or interrupted training run'),
  trainRuns: call(Empty, z.object({ runs: z.array(TrainingRunSummary) }), 'training runs, newest first'),
  tunersList: call(TunersListRequest, TunerPage, 'tuners in the library, filtered and sorted'),
  tunersSearch: call(TunersSearchRequest, TunerPage, 'full-text search over tuner names, tags and notes'),
  tunersGet: call(TunerIdRequest, TunerDetail, 'one tuner with its lineage'),
  tunersImport: call(TunersImportRequest, TunerSummary, 'add a tuner .safetensors file to the library'),
  tunersExport: call(TunersExportRequest, TunersExportResult, 'a tuner file with its metadata, for sharing'),
  tunersRename: call(TunersRenameRequest, TunerSummary, 'rename a tuner'),
  tunersTag: call(TunersTagRequest, TunerSummary, 'add and remove tags'),
  tunersUpdate: call(
    TunersUpdateRequest,
    TunerDetail,
    "change a tuner's notes, rating, trigger words or the weight its layers start at",
  ),
  tunersDelete: call(
    TunerIdRequest,
    DeleteResult,
    'delete a tuner (its file goes when nothing else uses it)',
  ),
  historyList: call(HistoryListRequest, HistoryPage, 'generations, newest first'),
  historyGet: call(GenerationIdRequest, GenerationRecord, 'one generation with its full recipe'),
  historyDelete: call(GenerationIdRequest, DeleteResult, 'delete a generation from the history'),
  recipeFromImage: call(
    RecipeFromImageRequest,
    RecipeFromImageResult,
    'read the recipe embedded in a PNG (ours, or the parameters text other tools write)',
  ),
  modelsList: call(Empty, ModelsList, 'base models available to generate and train with'),
  settingsGet: call(Empty, Settings, 'the current settings'),
  settingsUpdate: call(SettingsUpdate, Settings, 'change some settings; returns all of them'),
  systemInfo: call(Empty, SystemInfo, 'version, backend, CPU, memory, engine state'),
  chooseFolder: call(
    ChooseFolderRequest,
    ChooseFolderResult,
    "pick a folder with the system's dialog (desktop app only; elsewhere 'unavailable')",
  ),
  debugJob: job(DebugJobRequest, DebugJobResult, 'test hook: a job of timed steps that can fail or crash'),
} as const satisfies Record<string, MethodSpec>;

export type StudioMethods = typeof STUDIO_METHODS;
export type StudioMethodName = keyof StudioMethods;
export type JobMethodName = {
  [M in StudioMethodName]: StudioMethods[M]['job'] extends true ? M : never;
}[StudioMethodName];

/** What a caller may send (defaults not yet applied). */
export type MethodInput<M extends StudioMethodName> = z.input<StudioMethods[M]['input']>;
/** What a handler receives after validation (defaults applied). */
export type MethodParams<M extends StudioMethodName> = z.output<StudioMethods[M]['input']>;
export type MethodOutput<M extends StudioMethodName> = z.output<StudioMethods[M]['output']>;

export const STUDIO_METHOD_NAMES = Object.keys(STUDIO_METHODS) as StudioMethodName[];

export function isStudioMethodName(name: unknown): name is StudioMethodName {
  return typeof name === 'string' && Object.hasOwn(STUDIO_METHODS, name);
}

export function isJobMethod(name: StudioMethodName): name is JobMethodName {
  return STUDIO_METHODS[name].job;
}
