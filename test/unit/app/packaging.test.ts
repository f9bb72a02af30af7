// electron-builder cannot run here (it downloads Electron), so its configuration is checked
// statically: against electron-builder's own JSON schema for the keys, and for what we need.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const scheme = require('app-builder-lib/scheme.json') as {
  properties: Record<string, unknown>;
  definitions: Record<string, { properties?: Record<string, unknown> }>;
};

interface BuilderConfig {
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  extraResources: { from: string; to: string }[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
  [key: string]: unknown;
}

const config = yaml.load(readFileSync('electron-builder.yml', 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  scripts: Record<string, string>;
  main: string;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};

describe('electron-builder.yml', () => {
  it('uses only keys electron-builder knows', () => {
    for (const key of Object.keys(config)) expect(scheme.properties, key).toHaveProperty(key);
    const sections: [string, string][] = [
      ['linux', 'LinuxConfiguration'],
      ['deb', 'DebOptions'],
      ['mac', 'MacConfiguration'],
      ['dmg', 'DmgOptions'],
      ['win', 'WindowsConfiguration'],
      ['nsis', 'NsisOptions'],
      ['electronFuses', 'FuseOptionsV1'],
    ];
    for (const [section, definition] of sections) {
      const known = scheme.definitions[definition]?.properties ?? {};
      for (const key of Object.keys(config[section] as object))
        expect(known, `${section}.${key}`).toHaveProperty(key);
    }
  });

  it('builds AppImage + deb, dmg and nsis', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(pkg.scripts.dist).toMatch(/electron-builder --config electron-builder\.yml/);
  });

  it('packs the built app into an asar, with native modules unpacked and rebuilt for Electron', () => {
    expect(config.asar).toBe(true);
    expect(config.npmRebuild).toBe(true);
    for (const native of ['better-sqlite3', 'sharp', '@tensorflow/tfjs-node']) {
      expect(
        config.asarUnpack.some((p) => p.startsWith(`node_modules/${native}/`)),
        native,
      ).toBe(true);
    }
    // Every native dependency we declare is covered.
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (['better-sqlite3', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].includes(dep))
        expect(
          config.asarUnpack.some((p) => p.startsWith(`node_modules/${dep}/`)),
          dep,
        ).toBe(true);
    }
    // The threaded wasm backend's worker threads load these by path, which an asar cannot serve.
    expect(config.asarUnpack).toContain('out/main/pthread-worker.cjs');
    expect(config.asarUnpack).toContain('node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/**');
    expect(config.files).toContain('out/main/**');
    expect(config.files).toContain('out/preload/**');
    expect(config.files).toContain('out/renderer/**');
    expect(pkg.main.startsWith('out/main/')).toBe(true);
  });

  it('ships the model in resources and hardens the Electron binary', () => {
    expect(config.extraResources).toContainEqual(
      expect.objectContaining({ from: 'assets/models', to: 'models' }),
    );
    expect(config.extraResources).toContainEqual(
      expect.objectContaining({ from: 'assets/annotators', to: 'annotators' }),
    );
    expect(config.extraResources).toContainEqual(
      expect.objectContaining({ from: 'assets/tuners', to: 'tuners' }),
    );
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
    });
  });
});
