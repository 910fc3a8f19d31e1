/**
 * Switchvox's JSON is a mechanical translation of its XML (protocols/switchvox.md §5.2): an element
 * that occurs once is an object, repeats are an array; scalars are strings on current boxes and
 * numbers in 2009-era fixtures; pretty-printed with a 3-space indent and no stable key order.
 */

export interface RenderOptions {
  /** Emit digit strings as JSON numbers, like 2009-era boxes. */
  numericScalars: boolean;
  /** Shuffle object keys, to catch clients that depend on key order. */
  shuffleKeys: boolean;
  pretty: boolean;
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

function convert(value: unknown, options: RenderOptions): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => convert(item, options));
    return items.length === 1 ? items[0] : items;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, inner]) => [key, convert(inner, options)] as const);
    return Object.fromEntries(options.shuffleKeys ? shuffled(entries) : entries);
  }
  if (typeof value === 'number') return options.numericScalars ? value : String(value);
  if (typeof value === 'string' && options.numericScalars && /^(0|[1-9]\d{0,14})$/.test(value)) return Number(value);
  return value;
}

/** Renders a response tree in which repeatable elements are given as arrays (even of one). */
export function renderJson(tree: Record<string, unknown>, options: RenderOptions): string {
  const converted = convert(tree, options);
  return options.pretty ? `${JSON.stringify(converted, null, 3)}\n` : JSON.stringify(converted);
}
