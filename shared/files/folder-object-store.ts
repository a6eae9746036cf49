import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { ObjectStore } from '../analytics/ports/object-store.ts';
import { AppError } from '../common/app-error.ts';

/** A key that cannot name a file under the folder (absolute, `..`, empty parts, backslashes). */
export class InvalidObjectKeyError extends AppError {
  override readonly name = 'InvalidObjectKeyError';
  readonly kind = 'invalid';
  constructor(readonly key: string) {
    super(`not a valid object key: ${JSON.stringify(key)}`);
  }
}

/** Files being written are hidden until renamed into place: readers never see half a file. */
const temporaryName = /^\..*\.tmp$/;

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The ObjectStore on a local folder: what S3 is to the cloud, for one machine (DuckDB reads the
 * same files). Keys are `/`-separated paths under the folder. A put writes a hidden temporary
 * file and renames it into place, so an object is always the old bytes or the new ones.
 */
export class FolderObjectStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const parts = key.split('/');
    if (
      key.length === 0 ||
      key.includes('\\') ||
      key.includes('\0') ||
      parts.some((part) => part === '' || part === '.' || part === '..' || temporaryName.test(part))
    ) {
      throw new InvalidObjectKeyError(key);
    }
    return join(this.root, ...parts);
  }

  async put(key: string, body: Uint8Array, _contentType?: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, body, { flush: true });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Every key under the prefix (a plain string prefix, as S3's), sorted; files being written are not listed. */
  async list(prefix: string): Promise<string[]> {
    // Walk only the folder the prefix is certainly inside.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = folder === '' ? this.root : this.path(folder);
    const keys: string[] = [];
    const walk = async (directory: string, keyPrefix: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw error;
      }
      for (const entry of entries) {
        const key = `${keyPrefix}${entry.name}`;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(join(directory, entry.name), `${key}/`);
        } else if (entry.isFile() && !temporaryName.test(entry.name) && key.startsWith(prefix)) {
          keys.push(key);
        }
      }
    };
    await walk(start, folder === '' ? '' : `${folder}/`);
    return keys.sort();
  }

  /** Deletes the objects (missing ones are fine) and the folders they leave empty. */
  async delete(keys: readonly string[]): Promise<void> {
    const paths = keys.map((key) => this.path(key));
    for (const path of paths) await rm(path, { force: true });
    const folders = new Set(paths.map(dirname));
    for (const folder of [...folders].sort((a, b) => b.length - a.length)) await this.removeEmpty(folder);
  }

  private async removeEmpty(folder: string): Promise<void> {
    let current = folder;
    while (current.startsWith(this.root + sep)) {
      try {
        await rmdir(current);
      } catch (error) {
        if (!isMissing(error)) return; // not empty (or in use): leave it and its parents
      }
      current = dirname(current);
    }
  }
}
