// Methods whose backing module has not landed in this build: each answers "unavailable" and
// names what is missing, so the UI can say so instead of failing obscurely.
import { StudioError } from '../../../shared/api/errors.ts';
import type { StudioMethodName } from '../../../shared/api/methods.ts';

export function unavailable(method: StudioMethodName, missing: string) {
  return async (): Promise<never> => {
    throw new StudioError('unavailable', `${method} is not available in this build yet (${missing})`);
  };
}
