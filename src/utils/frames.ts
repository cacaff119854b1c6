import type { Frame } from '../api/types';

// Frames of these packages belong to the JDK, not to the application.
const JDK_PREFIXES = ['java.', 'javax.', 'jdk.', 'sun.', 'com.sun.'];

export function isJdkFrame(frame: Frame): boolean {
  return JDK_PREFIXES.some((p) => frame.method.startsWith(p));
}

/** A run of consecutive frames that are all JDK frames or all application frames. */
export interface FrameRun {
  jdk: boolean;
  /** Index in the thread's frames of the run's first frame. */
  start: number;
  frames: Frame[];
}

/** Splits a stack into runs of JDK and application frames, keeping the order. */
export function frameRuns(frames: Frame[]): FrameRun[] {
  const runs: FrameRun[] = [];
  frames.forEach((frame, i) => {
    const jdk = isJdkFrame(frame);
    const last = runs[runs.length - 1];
    if (last && last.jdk === jdk) {
      last.frames.push(frame);
    } else {
      runs.push({ jdk, start: i, frames: [frame] });
    }
  });
  return runs;
}

/** The first frame of the application's own code, the line that says where in their code a thread is. */
export function topAppFrame(frames: Frame[] | undefined): Frame | undefined {
  return (frames ?? []).find((f) => !isJdkFrame(f));
}
