// The weight a tuner works best at, where someone measured it: a new condition layer or mix entry
// bound to the tuner starts there (the shipped condition tuners follow their maps markedly better
// at 2 than at 1). NULL: no preference, the studio's default of 1. The bounds are the widest weight
// any mix accepts.
import type { Migration } from '../migration.ts';

export const migration0008: Migration = {
  version: 8,
  name: 'preferred weight of a tuner',
  up(db) {
    db.exec(`
      ALTER TABLE tuners ADD COLUMN preferred_weight REAL
        CHECK (preferred_weight IS NULL OR (preferred_weight > 0 AND preferred_weight <= 4));
    `);
  },
};
