/**
 * `--name value` flags of the campaign scripts (npm run fuzz, mutate, suite),
 * read from process.argv. A bad value ends the script with exit status 2 and
 * a message naming the script and the flag.
 */
export function flags(script: string) {
  const fail = (msg: string): never => {
    console.error(`${script}: ${msg}`);
    process.exit(2);
  };
  const has = (name: string) => process.argv.includes(`--${name}`);
  const text = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = process.argv[i + 1];
    return v === undefined || v.startsWith('--') ? fail(`--${name} needs a value`) : v;
  };
  return {
    fail,
    has,
    /** The value after `--name`, undefined when the flag is absent. */
    text,
    /** A non-negative integer, `fallback` when the flag is absent. */
    int(name: string, fallback: number): number {
      const t = text(name);
      if (t === undefined) return fallback;
      const v = Number(t);
      return Number.isSafeInteger(v) && v >= 0 ? v : fail(`--${name} needs a non-negative integer, not '${t}'`);
    },
    /** One of `choices`, the first when the flag is absent. */
    choice<T extends string>(name: string, choices: readonly T[]): T {
      const t = text(name) ?? choices[0]!;
      return (choices as readonly string[]).includes(t) ? (t as T) : fail(`--${name} is one of ${choices.join(', ')}`);
    },
  };
}
