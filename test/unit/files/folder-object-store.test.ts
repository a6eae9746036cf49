import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderObjectStore, InvalidObjectKeyError } from '../../../shared/files/folder-object-store.ts';
import { withKeyPrefix } from '../../../shared/analytics/export-location.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (body: Uint8Array | undefined): string | undefined => (body ? new TextDecoder().decode(body) : undefined);

describe('the object store on a folder', () => {
  let root: string;
  let store: FolderObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'folder-store-'));
    store = new FolderObjectStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('puts and gets objects under nested keys, replacing what was there', async () => {
    await store.put('visits/dt=2026-05-01/part-00000.parquet', bytes('first'));
    await store.put('visits/dt=2026-05-01/part-00000.parquet', bytes('second'));

    expect(text(await store.get('visits/dt=2026-05-01/part-00000.parquet'))).toBe('second');
    expect(await store.get('visits/dt=2026-05-02/part-00000.parquet')).toBeUndefined();
    expect(await readdir(join(root, 'visits', 'dt=2026-05-01'))).toEqual(['part-00000.parquet']);
  });

  it('lists every key under a prefix, recursively and sorted, as S3 does with a plain string prefix', async () => {
    for (const key of [
      'visits/dt=2026-05-02/part-00000.parquet',
      'visits/dt=2026-05-01/part-00000.parquet',
      'visits/dt=2026-06-01/part-00000.parquet',
      'visits_old/x',
      'clients/dt=2026-05-01/part-00000.parquet',
      '_manifest/visits.json',
    ]) {
      await store.put(key, bytes(key));
    }

    expect(await store.list('visits/')).toEqual([
      'visits/dt=2026-05-01/part-00000.parquet',
      'visits/dt=2026-05-02/part-00000.parquet',
      'visits/dt=2026-06-01/part-00000.parquet',
    ]);
    expect(await store.list('visits/dt=2026-05')).toEqual(['visits/dt=2026-05-01/part-00000.parquet', 'visits/dt=2026-05-02/part-00000.parquet']);
    expect(await store.list('visits')).toHaveLength(4);
    expect(await store.list('')).toHaveLength(6);
    expect(await store.list('nothing/here/')).toEqual([]);
  });

  it('never lists a file still being written', async () => {
    await store.put('visits/dt=2026-05-01/part-00000.parquet', bytes('done'));
    await writeFile(join(root, 'visits', 'dt=2026-05-01', '.part-00000.parquet.abc123.tmp'), 'half');

    expect(await store.list('visits/')).toEqual(['visits/dt=2026-05-01/part-00000.parquet']);
  });

  it('leaves no temporary file behind after a put', async () => {
    await store.put('a/b/c.json', bytes('{}'));
    expect(await readdir(join(root, 'a', 'b'))).toEqual(['c.json']);
  });

  it('deletes objects, ignores missing ones, and removes the folders they leave empty', async () => {
    await store.put('visits/dt=2026-05-01/part-00000.parquet', bytes('x'));
    await store.put('visits/dt=2026-05-02/part-00000.parquet', bytes('y'));

    await store.delete(['visits/dt=2026-05-01/part-00000.parquet', 'visits/dt=2026-05-09/part-00000.parquet']);

    expect(await store.list('')).toEqual(['visits/dt=2026-05-02/part-00000.parquet']);
    await expect(stat(join(root, 'visits', 'dt=2026-05-01'))).rejects.toMatchObject({ code: 'ENOENT' });
    await store.delete(['visits/dt=2026-05-02/part-00000.parquet']);
    expect(await readdir(root)).toEqual([]);
  });

  it.each(['', '/etc/passwd', '../outside', 'a/../../b', 'a//b', 'a/./b', 'a\\b', 'a/.x.tmp'])('refuses the key %j', async (key) => {
    await expect(store.put(key, bytes('x'))).rejects.toBeInstanceOf(InvalidObjectKeyError);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });

  it('seen under a prefix (the bucket’s exports/), keys are given and listed without it', async () => {
    const exports = withKeyPrefix(store, 'exports/');
    await exports.put('visits/dt=2026-05-01/part-00000.parquet', bytes('v'));
    await store.put('other/file', bytes('o'));

    expect(await store.list('')).toEqual(['exports/visits/dt=2026-05-01/part-00000.parquet', 'other/file']);
    expect(await exports.list('visits/')).toEqual(['visits/dt=2026-05-01/part-00000.parquet']);
    expect(text(await exports.get('visits/dt=2026-05-01/part-00000.parquet'))).toBe('v');
    await exports.delete(['visits/dt=2026-05-01/part-00000.parquet']);
    expect(await store.list('')).toEqual(['other/file']);
  });
});
