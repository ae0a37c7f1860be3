/**
 * A progress bar for work that takes more than a few seconds. On a terminal it redraws one line
 * on stderr; elsewhere (CI logs, pipes) it prints a line at each 10% step, so logs stay short.
 * Output goes to stderr so that stdout stays machine-readable.
 */
export interface Progress {
  tick(n?: number): void;
  /** Sets the amount done (for work that reports where it stands, not how much it did). */
  set(done: number): void;
  done(): void;
}

export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  let current = 0;
  let lastDecile = -1;
  let finished = false;
  const started = Date.now();
  const tty = stream.isTTY === true;
  const width = 30;

  const render = (final: boolean) => {
    const fraction = total === 0 ? 1 : Math.min(1, current / total);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (tty) {
      const filled = Math.round(fraction * width);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      stream.write(`\r${label} [${bar}] ${current}/${total} ${seconds}s${final ? "\n" : ""}`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${label}: ${current}/${total} (${Math.round(fraction * 100)}%) ${seconds}s\n`);
    }
  };

  return {
    tick(n = 1) {
      current += n;
      render(false);
    },
    set(done) {
      current = done;
      render(false);
    },
    done() {
      if (finished) return;
      finished = true;
      current = total;
      render(true);
    },
  };
}

/** Prints each step of a long operation with the time since it started (stderr, one line each). */
export function stepPrinter(stream: NodeJS.WriteStream = process.stderr): (step: string, detail?: string) => void {
  const started = Date.now();
  return (step, detail) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
    stream.write(`[${seconds}s] ${step}${detail === undefined ? "" : ` ${detail}`}\n`);
  };
}
