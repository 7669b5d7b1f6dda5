/** The status and fields of an HTTP/1.1 answer's head. */
export interface AnswerHead {
  status: number;
  reason: string;
  /** HTTP/1.0: its connections close after each answer unless it says otherwise (RFC 9112 §9.3). */
  http10: boolean;
  /** Field values by lower-case name; a field sent more than once is joined with ", " (RFC 9110 §5.3). */
  fields: Record<string, string>;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses an answer's head: the status line and the field lines, without the blank line that ends
 * them (RFC 9112 §4, §5). Undefined when it is not one: a store whose head we cannot read is a store
 * that did not answer.
 */
export function parseHead(text: string): AnswerHead | undefined {
  const lines = text.split('\r\n');
  const status = STATUS_LINE.exec(lines[0]!);
  if (status === null) return undefined;
  const fields: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    // No line folding (obsolete, §5.2) and no whitespace before the colon (§5.1).
    if (colon <= 0 || !FIELD_NAME.test(name)) return undefined;
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    fields[key] = fields[key] === undefined ? value : `${fields[key]}, ${value}`;
  }
  return { status: Number(status[2]), reason: status[3] ?? '', http10: status[1] === '0', fields };
}

/**
 * How long a connection may stay idle, in ms, by the answer's Keep-Alive field (`timeout=N`, the
 * seconds the server keeps it), a second short of it so that we drop it before the server does;
 * `fallback` when the field says nothing.
 */
export function keepAliveMs(fields: Record<string, string>, fallback: number): number {
  const seconds = /(?:^|[,\s])timeout=(\d+)/i.exec(fields['keep-alive'] ?? '')?.[1];
  return seconds === undefined ? fallback : Math.max(0, Math.min(fallback, Number(seconds) * 1000 - 1000));
}
