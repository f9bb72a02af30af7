// The one door into the StudioApi: the Electron bridge, the WebSocket server, HTTP and the CLI
// all come through here. The method name is checked against the table, the input against the
// method's schema; a handler only ever sees valid, defaulted input.
import type { z } from 'zod';
import { StudioError } from '../../shared/api/errors.ts';
import { isStudioMethodName, STUDIO_METHODS, type StudioMethodName } from '../../shared/api/methods.ts';
import type { CallContext, Handler, StudioContext, StudioHandlers } from './context.ts';

export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

export function validateInput<M extends StudioMethodName>(method: M, input: unknown) {
  const parsed = STUDIO_METHODS[method].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new StudioError('invalid-input', `${method}: ${text}`, issues);
  }
  return parsed.data;
}

export async function dispatchCall(
  handlers: StudioHandlers,
  studio: StudioContext,
  method: unknown,
  input: unknown,
  call: CallContext = {},
): Promise<unknown> {
  if (!isStudioMethodName(method)) {
    const shown = typeof method === 'string' ? `"${method.slice(0, 100)}"` : `a ${typeof method}`;
    throw new StudioError('unknown-method', `there is no StudioApi method named ${shown}`);
  }
  const params = validateInput(method, input);
  const handler = handlers[method] as Handler<typeof method>;
  return handler(params as never, studio, call);
}
