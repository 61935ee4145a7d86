/**
 * A progress display for long-running scripts, on stderr so stdout stays clean for reports and JSON.
 * On a terminal: one line redrawn in place a few times a second. Otherwise (CI logs, pipes, files):
 * a plain line every `plainEveryMs`, never control characters.
 */
export interface ProgressOptions {
  render: () => string;
  stream?: NodeJS.WriteStream;
  /** Redraw period on a terminal. @default 250 */
  ttyEveryMs?: number;
  /** Line period when not a terminal. @default 10000 */
  plainEveryMs?: number;
  /** Show nothing at all. @default false */
  quiet?: boolean;
}

export class Progress {
  readonly #opts: ProgressOptions;
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  #timer: ReturnType<typeof setInterval> | undefined;
  #drawn = false;

  constructor(opts: ProgressOptions) {
    this.#opts = opts;
    this.#stream = opts.stream ?? process.stderr;
    this.#tty = this.#stream.isTTY === true && process.env.TERM !== 'dumb';
  }

  get isTTY(): boolean {
    return this.#tty;
  }

  start(): this {
    if (this.#opts.quiet || this.#timer) return this;
    const every = this.#tty ? (this.#opts.ttyEveryMs ?? 250) : (this.#opts.plainEveryMs ?? 10_000);
    this.#timer = setInterval(() => this.draw(), every);
    this.#timer.unref();
    if (this.#tty) this.draw();
    return this;
  }

  /** Draws now (redraws the line on a terminal, writes a line otherwise). */
  draw(): void {
    if (this.#opts.quiet) return;
    let line: string;
    try {
      line = this.#opts.render();
    } catch (err) {
      line = `progress unavailable: ${(err as Error).message}`;
    }
    if (this.#tty) {
      const width = this.#stream.columns ?? 120;
      this.#stream.write(`\r\x1b[2K${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
      this.#drawn = true;
    } else {
      this.#stream.write(`${line}\n`);
    }
  }

  /** Writes a message above the progress line (or as its own line). */
  log(message: string): void {
    if (this.#opts.quiet) return;
    if (this.#tty && this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#stream.write(`${message}\n`);
    if (this.#tty && this.#timer) this.draw();
  }

  /** Stops; on a terminal leaves the last state drawn as a finished line. */
  stop(finalDraw = true): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#opts.quiet) return;
    if (finalDraw) this.draw();
    if (this.#tty && this.#drawn) this.#stream.write('\n');
    this.#drawn = false;
  }
}
