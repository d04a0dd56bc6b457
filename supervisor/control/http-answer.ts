// One answer of the HTTP endpoint, as its routes (health, status, metrics) build it.
export interface HttpAnswer {
  status: number;
  body: string;
  /** Content-Type; JSON unless said otherwise. */
  type?: string;
}

/** Body of a JSON answer: one line, newline-terminated. */
export function json(status: number, value: unknown): HttpAnswer {
  return { status, body: `${JSON.stringify(value)}\n` };
}
