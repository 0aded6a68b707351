// A start failure the user can fix, with a one-line message that names the setting at fault.
// main.ts prints these as they are (no stack trace); any other error is a bug and keeps its stack.

export class StartError extends Error {
  override readonly name = 'StartError';
}

/** Why a file-system call failed, in words (the code in brackets, for searching). */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    ENOTDIR: 'a part of the path is a file, not a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'the disk is full (No space left on device)',
    EDQUOT: 'the disk quota is exceeded',
    EEXIST: 'a file is in the way',
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

/** Runs a file-system step under DATA_DIR, turning its failure into a StartError that names DATA_DIR. */
export function inDataDir<T>(what: string, target: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof StartError) throw error;
    throw new StartError(`DATA_DIR: cannot ${what} ${target}: ${fsReason(error)}`);
  }
}
