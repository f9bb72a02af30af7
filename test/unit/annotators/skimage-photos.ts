// Real photographs of people that Debian's python3-skimage ships (astronaut.png, camera.png);
// .ci/run installs the package.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data';

export function skimagePhoto(name: 'astronaut.png' | 'camera.png'): string {
  const path = join(SKIMAGE_DATA, name);
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: install Debian's python3-skimage (apt-get install python3-skimage), as .ci/run does`,
    );
  return path;
}
