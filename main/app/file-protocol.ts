// The studio-file: protocol: how the Electron window loads library images. Only
// studio-file://library/<path inside the file store> is answered; everything else is refused.
import { FILE_PROTOCOL } from '../../shared/api/protocol.ts';
import { resolveStoreFile, type StoreFileResolution } from '../server/store-files.ts';

export const FILE_PROTOCOL_HOST = 'library';

export function resolveStudioFileUrl(storeRoot: string, requestUrl: string): StoreFileResolution {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?/i.exec(requestUrl);
  if (!match || match[1]!.toLowerCase() !== FILE_PROTOCOL)
    return { ok: false, status: 400, reason: `not a ${FILE_PROTOCOL}: URL` };
  if (match[2]!.toLowerCase() !== FILE_PROTOCOL_HOST)
    return { ok: false, status: 403, reason: `only ${FILE_PROTOCOL}://${FILE_PROTOCOL_HOST}/ is served` };
  // Raw path from the string: URL parsing would already have collapsed "..".
  return resolveStoreFile(storeRoot, (match[3] ?? '/').slice(1));
}
