// Text from other people (names, posts, app names) is untrusted: it must not steer a terminal or spoof what it shows.

/** Control characters (C0 and C1, but tab and newline) and bidirectional overrides. */
// eslint-disable-next-line no-control-regex
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * Text from someone else, made safe to show on one line: no control characters, spaces folded, at most `max`
 * characters.
 */
export function cleanText(text: string, max: number): string {
  return text.replace(unsafe, ' ').replace(/\s+/gu, ' ').trim().slice(0, max);
}

/** Text made safe for a terminal: newlines and tabs kept, every other control character and bidi override removed. */
export function safeForTerminal(text: string): string {
  return text.replace(unsafe, '');
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text escaped for HTML: `&`, `<`, `>`, `"` and `'` as character references, so nothing in it is markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/gu, (c) => htmlEscapes[c]!);
}

/**
 * Plain text as the HTML that ActivityStreams readers show (`as:content`, `as:summary`): escaped, one `<p>` per
 * paragraph (paragraphs are separated by a blank line), `<br>` for every other line break.
 */
export function textToHtml(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/gu, '\n')
    .split(/\n{2,}/u)
    .filter((p) => p !== '');
  return paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/gu, '<br>')}</p>`).join('');
}

/** The size of `text` in UTF-8, in bytes, as it is sent (a lone surrogate counts as U+FFFD, 3 bytes); no copy made. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // A surrogate pair: 4 bytes for its 2 code units.
      i += 1;
    } else bytes += 2;
  }
  return bytes;
}
