// JSON paths as people read them in error messages: `linux.namespaces[1].type`,
// `linux.sysctl."net.ipv4.ip_forward"`, `annotations."io.kubernetes.cri.sandbox-id"`.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `base` + `.key`, quoting keys that are not plain identifiers (sysctl names, annotations). */
export function appendKey(base: string, key: string): string {
  const segment = IDENTIFIER.test(key) ? key : JSON.stringify(key);
  return base === '' ? segment : `${base}.${segment}`;
}

/** `base` + `[index]`. */
export function appendIndex(base: string, index: number): string {
  return `${base}[${index}]`;
}

/** Decodes one RFC 6901 JSON-pointer segment (`~1` is `/`, `~0` is `~`). */
function decodeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Converts an ajv instancePath (`/linux/namespaces/1/type`) to a JSON path
 * (`linux.namespaces[1].type`). With `doc`, a numeric segment is an index only where the
 * document holds an array there (an annotation key "0" stays a key); without it, every
 * all-digit segment is read as an index.
 */
export function pointerToJsonPath(pointer: string, doc?: unknown): string {
  if (pointer === '') return '';
  let path = '';
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = decodeSegment(raw);
    const isIndex = doc === undefined ? /^(0|[1-9][0-9]*)$/.test(segment) : Array.isArray(node);
    path = isIndex ? appendIndex(path, Number(segment)) : appendKey(path, segment);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}

/** The value a JSON pointer designates in `doc`, or undefined. */
export function valueAtPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[decodeSegment(raw)];
  }
  return node;
}
