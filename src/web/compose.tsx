// The form that writes a post (or a reply), with an optional image: the library's createPost/reply check and upload.
import { useEffect, useRef, useState } from 'preact/hooks';
import { maxImageBytes, type ImageInput } from '../social/posts.js';
import { acceptedImageTypes } from '../social/images.js';
import { reason } from './session.js';

/** What the form hands to its owner: the text and the image picked, if any. */
export interface Draft {
  content: string;
  image?: ImageInput;
}

let forms = 0;

/** Reads a picked file as an image input (its bytes decide its type: the library sniffs them). */
async function imageOf(file: File): Promise<ImageInput> {
  if (file.size > maxImageBytes) throw new Error(`Images may have at most ${maxImageBytes / 1024 / 1024} MB.`);
  return { data: new Uint8Array(await file.arrayBuffer()), mediaType: file.type };
}

/** A text area, an optional image picker and a submit button; `onSubmit` does the work, errors show below. */
export function Compose(props: {
  label: string;
  submitLabel: string;
  initial?: string;
  withImage?: boolean;
  idPrefix?: string;
  /** Focus the text at once (a reply or edit form opened by a button). */
  focus?: boolean;
  onSubmit: (draft: Draft) => Promise<void>;
  onCancel?: () => void;
}) {
  const [id] = useState(() => props.idPrefix ?? `compose-${++forms}`);
  const [text, setText] = useState(props.initial ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);
  const textArea = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (props.focus) textArea.current?.focus();
  }, [props.focus]);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const file = fileInput.current?.files?.[0];
      await props.onSubmit({ content: text, ...(file ? { image: await imageOf(file) } : {}) });
      setText('');
      if (fileInput.current) fileInput.current.value = '';
    } catch (failure: unknown) {
      setError(reason(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="compose" onSubmit={(event) => void submit(event)}>
      <label for={`${id}-text`}>{props.label}</label>
      <textarea
        id={`${id}-text`}
        ref={textArea}
        rows={3}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
        disabled={busy}
      />
      {props.withImage && (
        <div class="compose-image">
          <label for={`${id}-image`}>Image (optional)</label>
          <input
            id={`${id}-image`}
            type="file"
            ref={fileInput}
            accept={Object.keys(acceptedImageTypes).join(',')}
            disabled={busy}
          />
        </div>
      )}
      <div class="actions">
        <button type="submit" disabled={busy || text.trim() === ''}>
          {busy ? 'Sending…' : props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel} disabled={busy}>
            Cancel
          </button>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
