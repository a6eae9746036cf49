/** Files by key: S3 in the cloud, the local stack's S3 emulator on one machine. */
export interface ObjectStore {
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** undefined when there is no such object. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key under the prefix. */
  list(prefix: string): Promise<string[]>;
  delete(keys: readonly string[]): Promise<void>;
}
