// Preload: exposes the StudioApi methods to the renderer, and nothing else.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('studio', Object.freeze({ platform: process.platform }));
