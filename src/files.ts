// Plain errors for local files: Node only (the CLI, export and import), kept out of errors.ts so that a browser bundle
// of the library needs no Node module.
import { dirname } from 'node:path';
import { FileError, describe } from './errors.js';

/** A FileError saying in plain words why `path` could not be read (or written): no `ENOENT: ...`. */
export function fileError(path: string, error: unknown, doing: 'read' | 'write'): FileError {
  const code = (error as { code?: string } | undefined)?.code;
  const cause = { cause: error };
  const folder = dirname(path);
  switch (code) {
    case 'ENOENT':
      return doing === 'read'
        ? new FileError('FILE_NOT_FOUND', path, `There is no file ${path}.`, cause)
        : new FileError('FILE_NOT_FOUND', path, `Cannot write ${path}: the folder ${folder} does not exist.`, cause);
    case 'ENOTDIR':
      return new FileError(
        'FILE_NOT_FOUND',
        path,
        `Cannot ${doing} ${path}: part of that path is a file, not a folder.`,
        cause,
      );
    case 'EISDIR':
      return new FileError('FILE_ACCESS', path, `${path} is a folder, not a file.`, cause);
    case 'EACCES':
    case 'EPERM':
      return new FileError('FILE_ACCESS', path, `Cannot ${doing} ${path}: permission denied.`, cause);
    case 'EEXIST':
      return new FileError('FILE_EXISTS', path, `${path} already exists.`, cause);
    case 'ENOSPC':
      return new FileError('FILE_ACCESS', path, `Cannot write ${path}: the disk is full.`, cause);
    case 'EROFS':
      return new FileError('FILE_ACCESS', path, `Cannot write ${path}: the disk is read-only.`, cause);
    default:
      return new FileError('FILE_ACCESS', path, `Cannot ${doing} ${path}: ${describe(error)}.`, cause);
  }
}
