// A small ustar writer and reader over plain bytes (Uint8Array), for the browser's face of the archive code: it writes
// what tar-stream writes (ustar headers, a pax `path` record for long or non-ASCII names) and reads what tar-stream
// writes and reads (ustar prefixes, pax and GNU long names), so archives go between the page and the CLI either way.
import type { ArchiveEntry } from './archive-format.js';

const block = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Largest pax or GNU long-name record read (names are at most some 2,000 characters). */
const maxNameRecord = 64 * 1024;

/** The tar type names tar-stream gives, by typeflag: messages say "is a symlink" alike in both faces. */
const typeNames: Record<string, string> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
};

/** The header blocks of one entry: a pax record first when its name does not fit ustar's 100 ASCII bytes. */
export function tarHeader(name: string, type: 'file' | 'directory', size: number, mtime: Date): Uint8Array {
  const full = type === 'directory' && !name.endsWith('/') ? `${name}/` : name;
  const encoded = encoder.encode(full);
  const parts: Uint8Array[] = [];
  if (encoded.length > 100 || encoded.length !== full.length) {
    const record = paxRecord('path', full);
    parts.push(header('PaxHeader', 'x', record.length, mtime, 0o644), record, padding(record.length));
  }
  parts.push(
    header(
      encoded.length > 100 ? full.slice(0, 100) : full,
      type === 'directory' ? '5' : '0',
      size,
      mtime,
      type === 'directory' ? 0o755 : 0o644,
    ),
  );
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function padding(size: number): Uint8Array {
  return new Uint8Array((block - (size % block)) % block);
}

/** The two zero blocks that end an archive. */
export const tarEnd = new Uint8Array(2 * block);

function paxRecord(key: string, value: string): Uint8Array {
  const text = ` ${key}=${value}\n`;
  const bytes = encoder.encode(text).length;
  let length = bytes + String(bytes).length;
  if (String(length).length !== String(bytes).length) length += 1;
  return encoder.encode(`${length}${text}`);
}

function header(name: string, flag: string, size: number, mtime: Date, mode: number): Uint8Array {
  const buf = new Uint8Array(block);
  writeText(buf, name.replace(/[^\x20-\x7e]/gu, '_'), 0, 100);
  writeOctal(buf, mode, 100, 8);
  writeOctal(buf, 0, 108, 8);
  writeOctal(buf, 0, 116, 8);
  if (size < 8 ** 11) writeOctal(buf, size, 124, 12);
  else {
    buf[124] = 0x80; // base-256, as GNU tar and tar-stream read it
    let rest = size;
    for (let i = 135; i > 124; i -= 1) {
      buf[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }
  writeOctal(buf, Math.floor(mtime.getTime() / 1000), 136, 12);
  buf[156] = flag.charCodeAt(0);
  writeText(buf, 'ustar\u000000', 257, 8);
  buf.fill(0x20, 148, 156);
  const sum = buf.reduce((total, byte) => total + byte, 0);
  writeText(buf, `${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8);
  return buf;
}

function writeText(buf: Uint8Array, text: string, offset: number, length: number): void {
  buf.set(encoder.encode(text).subarray(0, length), offset);
}

function writeOctal(buf: Uint8Array, value: number, offset: number, length: number): void {
  writeText(buf, `${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length);
}

/** Reads bytes from an iterator of chunks: exact blocks for headers, streams for data. */
class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private offset = 0;
  private ended = false;
  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Fills `chunk` when empty; false at the end of the input. */
  private async fill(): Promise<boolean> {
    while (this.offset >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.chunk = next.value;
      this.offset = 0;
    }
    return true;
  }

  /** Exactly `size` bytes, undefined at the very end of the input, an error when it ends within them. */
  async exact(size: number): Promise<Uint8Array | undefined> {
    const out = new Uint8Array(size);
    let got = 0;
    while (got < size) {
      if (!(await this.fill())) {
        if (got === 0) return undefined;
        throw new Error('Unexpected end of data');
      }
      const take = Math.min(size - got, this.chunk.length - this.offset);
      out.set(this.chunk.subarray(this.offset, this.offset + take), got);
      this.offset += take;
      got += take;
    }
    return out;
  }

  /**
   * The next `size` bytes as chunks, readable once; `left()` tells what was not read (a reader may stop early).
   * An error when the input ends within them.
   */
  take(size: number): { chunks: AsyncIterable<Uint8Array>; left: () => number } {
    let left = size;
    const next = async (): Promise<IteratorResult<Uint8Array>> => {
      if (left <= 0) return { done: true, value: undefined };
      if (!(await this.fill())) throw new Error('Unexpected end of data');
      const take = Math.min(left, this.chunk.length - this.offset);
      const part = this.chunk.subarray(this.offset, this.offset + take);
      this.offset += take;
      left -= take;
      return { done: false, value: part };
    };
    // `return` (a reader's `break`) leaves the rest for `skip`.
    const iterator: AsyncIterator<Uint8Array> = { next, return: async () => ({ done: true, value: undefined }) };
    return { chunks: { [Symbol.asyncIterator]: () => iterator }, left: () => left };
  }

  /** Skips `size` bytes. */
  async skip(size: number): Promise<void> {
    for await (const part of this.take(size).chunks) void part;
  }
}

/** What a header says, before pax or long names apply. */
interface RawHeader {
  name: string;
  flag: string;
  size: number;
}

function decodeHeader(buf: Uint8Array): RawHeader | undefined {
  if (buf.every((byte) => byte === 0)) return undefined;
  const stored = readOctal(buf, 148, 8);
  buf.fill(0x20, 148, 156);
  const sum = buf.reduce((total, byte) => total + byte, 0);
  if (sum !== stored) throw new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
  let name = readText(buf, 0, 100);
  const ustar = readText(buf, 257, 6) === 'ustar';
  const gnu = readText(buf, 257, 8) === 'ustar  ';
  if (!ustar && !gnu) throw new Error('Invalid tar header: unknown format.');
  if (ustar && !gnu && buf[345]) name = `${readText(buf, 345, 155)}/${name}`;
  let flag = String.fromCharCode(buf[156]!);
  if ((flag === '0' || flag === '\0') && name.endsWith('/')) flag = '5';
  return { name, flag, size: readSize(buf) };
}

function readText(buf: Uint8Array, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

/** A size or count a header states: a whole number from 0 to 2^53 - 1, or an error (never NaN, never negative). */
function wholeNumber(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`Invalid tar header: its ${what} is not a size.`);
  return value;
}

function readOctal(buf: Uint8Array, offset: number, length: number): number {
  const text = readText(buf, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/u.test(text)) throw new Error('Invalid tar header: a number field is not octal.');
  return wholeNumber(parseInt(text, 8), 'number field');
}

function readSize(buf: Uint8Array): number {
  if (buf[124]! & 0x80) {
    if (buf[124]! & 0x40) throw new Error('Invalid tar header: its size is negative.');
    let size = 0;
    for (let i = 125; i < 136; i += 1) size = size * 256 + buf[i]!;
    return wholeNumber(size, 'size');
  }
  return readOctal(buf, 124, 12);
}

/** The records of a pax header (`<length> <key>=<value>\n`, lengths in bytes), read in one pass over its bytes. */
function decodePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1 || space - offset > 20) break;
    const length = Number(decoder.decode(data.subarray(offset, space)));
    if (!Number.isSafeInteger(length) || length <= space - offset || offset + length > data.length) break;
    const record = decoder.decode(data.subarray(space + 1, offset + length));
    const equals = record.indexOf('=');
    if (equals > 0) out[record.slice(0, equals)] = record.slice(equals + 1, record.endsWith('\n') ? -1 : undefined);
    offset += length;
  }
  return out;
}

/** Headers that only describe the next entry (pax, long names) allowed in a row: more is a tar built to stall. */
const maxMetaHeaders = 4;

/**
 * Reads a tar from its bytes, entry by entry: `check` sees each entry's name, type and size first (and throws to refuse
 * it), then `onEntry` may read its stream (what it leaves is skipped). Errors of the format are plain Errors.
 */
export async function readTar(
  chunks: AsyncIterable<Uint8Array>,
  check: (name: string, type: string, size: number) => void,
  onEntry: (entry: ArchiveEntry) => Promise<void>,
): Promise<void> {
  const reader = new ByteReader(chunks[Symbol.asyncIterator]());
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  let longName: string | undefined;
  let metaHeaders = 0;
  for (;;) {
    const buf = await reader.exact(block);
    if (!buf) return;
    const raw = decodeHeader(buf);
    if (!raw) return; // The end blocks.
    if (raw.flag === 'x' || raw.flag === 'g' || raw.flag === 'L') {
      if (raw.size > maxNameRecord) throw new Error('A tar name record is too large.');
      if ((metaHeaders += 1) > maxMetaHeaders) throw new Error('Too many tar headers in a row describe no entry.');
      const data = (await reader.exact(raw.size)) ?? new Uint8Array(0);
      await reader.skip(padding(raw.size).length);
      if (raw.flag === 'x') pax = { ...globalPax, ...decodePax(data) };
      else if (raw.flag === 'g') globalPax = decodePax(data);
      else longName = readText(data, 0, data.length);
      continue;
    }
    const name = pax.path ?? longName ?? raw.name;
    if (pax.size !== undefined && !/^\d{1,16}$/u.test(pax.size))
      throw new Error('Invalid tar header: its size is not a size.');
    const size = wholeNumber(pax.size !== undefined ? Number(pax.size) : raw.size, 'size');
    metaHeaders = 0;
    pax = { ...globalPax };
    longName = undefined;
    const type = typeNames[raw.flag] ?? `entry of type ${JSON.stringify(raw.flag)}`;
    check(name, type, size);
    const data = reader.take(size);
    await onEntry({ name, type: type === 'directory' ? 'directory' : 'file', size, stream: data.chunks });
    await reader.skip(data.left()); // What `onEntry` left of the entry.
    await reader.skip(padding(size).length);
  }
}
