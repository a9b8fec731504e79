/**
 * `--inspect [port]` for `fusebox start`: node:util's parseArgs has no optional option
 * values, so the flag is taken out of argv before parsing. Accepted forms: `--inspect`
 * (port 8080), `--inspect 9000`, `--inspect=9000` (0 picks a free port). Returns the remaining argv and the port,
 * null when the flag is absent, or a message for a bad port.
 */
export const DEFAULT_INSPECT_PORT = 8080;

export interface InspectFlag {
  readonly argv: string[];
  readonly port: number | null;
}

export function takeInspectFlag(argv: readonly string[]): InspectFlag | string {
  const rest: string[] = [];
  let port: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg !== '--inspect' && !arg.startsWith('--inspect=')) {
      rest.push(arg);
      continue;
    }
    let value: string | undefined = arg.startsWith('--inspect=') ? arg.slice('--inspect='.length) : undefined;
    if (value === undefined && /^\d+$/.test(argv[i + 1] ?? '')) value = argv[++i];
    if (value === undefined) {
      port = DEFAULT_INSPECT_PORT;
      continue;
    }
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed > 65_535) return `--inspect: expected a port number, got "${value}"`;
    port = parsed;
  }
  return { argv: rest, port };
}
