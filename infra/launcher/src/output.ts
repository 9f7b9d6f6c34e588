// Child output, one line at a time, prefixed with the service's name.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const COLORS = [36, 32, 33, 35, 34, 91, 92, 93];
const WIDTH = 10;

export function prefixer(useColor: boolean) {
  let next = 0;
  const colorOf = new Map<string, number>();
  return (name: string): string => {
    if (!colorOf.has(name)) colorOf.set(name, COLORS[next++ % COLORS.length]!);
    const label = name.padEnd(WIDTH);
    return useColor ? `\x1b[${colorOf.get(name)}m${label}|\x1b[0m ` : `${label}| `;
  };
}

export function pipeLines(stream: Readable, prefix: string, out: NodeJS.WritableStream): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${prefix}${line}\n`));
}
