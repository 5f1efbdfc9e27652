import cliProgress from 'cli-progress';
import type { Logger } from './log.js';

export interface Progress {
  tick(n?: number, label?: string): void;
  done(): void;
}

/**
 * A bar on an interactive terminal; otherwise a plain log line every 10 %
 * (CI logs and pipes stay readable).
 */
export function createProgress(title: string, total: number, log: Logger, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY && total > 1 && process.env.CI !== 'true') {
    const bar = new cliProgress.SingleBar(
      { format: `${title} [{bar}] {value}/{total} {label}`, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { label: '' });
    let value = 0;
    return {
      tick(n = 1, label = '') {
        value += n;
        bar.update(value, { label });
      },
      done() {
        bar.stop();
      },
    };
  }
  let value = 0;
  let nextReport = Math.max(1, Math.ceil(total / 10));
  return {
    tick(n = 1) {
      value += n;
      if (value >= nextReport || value === total) {
        log.info({ task: title, done: value, total }, `${title}: ${value}/${total}`);
        nextReport = value + Math.max(1, Math.ceil(total / 10));
      }
    },
    done() {
      if (value !== total) log.info({ task: title, done: value, total }, `${title}: ${value}/${total}`);
    },
  };
}
