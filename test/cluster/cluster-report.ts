/** The one line each cluster scenario prints (`cluster NAME: key=value …`), and per-master shares. */

export function clusterLine(name: string, fields: Record<string, unknown>): string {
  const text = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  return `cluster ${name}: ${text}`;
}

/** Each master's share of a total, in whole percent, keyed `m<port>`. */
export function shares(perMaster: Map<number, number>): Record<string, number> {
  const total = [...perMaster.values()].reduce((sum, n) => sum + n, 0);
  return Object.fromEntries([...perMaster].map(([port, n]) => [`m${port}`, total === 0 ? 0 : Math.round((100 * n) / total)]));
}

export function byMaster(perMaster: Map<number, number>): Record<string, number> {
  return Object.fromEntries([...perMaster].map(([port, n]) => [`m${port}`, n]));
}
