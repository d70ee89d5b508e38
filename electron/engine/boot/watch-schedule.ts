/**
 * When the boot watcher looks at what (pure: fed the clock, the console's activity and the
 * screenshots' digests; tested without a VM). The verdict itself is the classifier's
 * (classify.ts); this decides the side work around it: the domain's state, screenshots, reading
 * a screen with OCR, pinging the guest agent, and the time limit.
 */

export interface WatchTimings {
  /** How often the domain's state is checked (it may power off or pause by itself). */
  stateEveryMs: number;
  agentEveryMs: number;
  /** Serial silence after which a new screen is read with OCR. */
  serialSilenceMs: number;
  screenshotEveryMs: number;
  timeoutMs: number;
  ocr: boolean;
}

/** The side work due at one poll, in the order the watcher does it. */
export type WatchAction = 'check-state' | 'screenshot' | 'ping-agent';

/** The guest agent can only answer once userspace runs: before that a ping only costs a virsh. */
export const AGENT_EARLIEST_MS = 30_000;
/** The first screenshot comes early (firmware screens pass quickly), then at the chosen interval. */
const FIRST_SCREENSHOT_MS = 2000;

export class WatchSchedule {
  private nextStateAt: number;
  private nextShotAt: number;
  private nextAgentAt: number;
  private lastSerialAt = 0;
  private lastDigest = '';
  private readDigest = '';
  private reading = false;

  constructor(private readonly t: WatchTimings) {
    this.nextStateAt = t.stateEveryMs;
    this.nextShotAt = Math.min(t.screenshotEveryMs, FIRST_SCREENSHOT_MS);
    this.nextAgentAt = t.agentEveryMs;
  }

  /** Console output arrived at `atMs` (blank output does not count as the guest talking). */
  serialText(text: string, atMs: number): void {
    if (/\S/.test(text)) this.lastSerialAt = atMs;
  }

  timedOut(nowMs: number): boolean {
    return nowMs >= this.t.timeoutMs;
  }

  /** What to do now; each returned action is scheduled again from `nowMs`. */
  due(nowMs: number, userspace: boolean): WatchAction[] {
    const actions: WatchAction[] = [];
    if (nowMs >= this.nextStateAt) {
      this.nextStateAt = nowMs + this.t.stateEveryMs;
      actions.push('check-state');
    }
    if (nowMs >= this.nextShotAt) {
      this.nextShotAt = nowMs + this.t.screenshotEveryMs;
      actions.push('screenshot');
    }
    if ((userspace || nowMs >= AGENT_EARLIEST_MS) && nowMs >= this.nextAgentAt) {
      this.nextAgentAt = nowMs + this.t.agentEveryMs;
      actions.push('ping-agent');
    }
    return actions;
  }

  /** A screenshot with this digest was taken: false when the screen had not changed (drop it). */
  screenshotTaken(digest: string): boolean {
    if (digest === this.lastDigest) return false;
    this.lastDigest = digest;
    return true;
  }

  /**
   * Whether to read the newest screen now: each new screen once, one read at a time, and only
   * while the serial console has been silent (a guest that talks on serial says more, cheaper).
   * Marks it as being read.
   */
  startReading(nowMs: number): boolean {
    if (!this.t.ocr || this.reading || !this.lastDigest || this.lastDigest === this.readDigest) return false;
    if (nowMs - this.lastSerialAt < this.t.serialSilenceMs) return false;
    this.readDigest = this.lastDigest;
    this.reading = true;
    return true;
  }

  readingDone(): void {
    this.reading = false;
  }
}
