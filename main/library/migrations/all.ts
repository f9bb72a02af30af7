// The library's migrations, in order. Append new ones; never edit or reorder a released one.
import type { Migration } from '../migration.ts';
import { migration0001 } from './0001-initial.ts';
import { migration0002 } from './0002-curation.ts';
import { migration0003 } from './0003-training-runs.ts';
import { migration0004 } from './0004-generations.ts';
import { migration0005 } from './0005-search.ts';
import { migration0006 } from './0006-history-paging.ts';
import { migration0007 } from './0007-shipped-tuner-offers.ts';
import { migration0008 } from './0008-preferred-weight.ts';
import { migration0009 } from './0009-trigger-words.ts';

export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
