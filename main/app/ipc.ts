// The main-process side of the bridge: a call from the window is checked (sender, method name
// against the table, payload against its schema — in dispatchCall) and answered as an outcome
// object, errors included as data.
import { StudioError, serializeError } from '../../shared/api/errors.ts';
import { isStudioMethodName } from '../../shared/api/methods.ts';
import type { JobProgress } from '../../shared/api/progress.ts';
import type { BridgeOutcome } from '../../shared/api/studio-client.ts';
import type { Studio } from '../api/studio.ts';
import { ipcSenderAllowed } from './security.ts';

export async function answerBridgeCall(
  studio: Studio,
  sender: { url: string | undefined; rendererUrl: string },
  method: unknown,
  input: unknown,
  sendProgress: (progress: JobProgress) => void,
): Promise<BridgeOutcome<unknown>> {
  try {
    if (!ipcSenderAllowed(sender.url, sender.rendererUrl))
      throw new StudioError('unauthorized', 'calls are answered only for the studio page');
    if (!isStudioMethodName(method)) throw new StudioError('unknown-method', 'no such StudioApi method');
    return { ok: true, output: await studio.call(method, input, sendProgress) };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
