// Fixtures of the flame graph and across-captures views (issue 14), typed through the API types
// like fixtures.ts. The go-cpu capture follows the seam's shape (pkg/evidence, pprof.CPUSummary
// with its flame tree); hot frames and the comparison follow the routes' documented shapes.
import type { CaptureComparison, CaptureDetail, HotFrames, WithFlameEvidence, WithWorkload } from '../api/types';
import { fixture } from './fixtures';
import compareJson from './fixtures/compare.json';
import detailGoCpuJson from './fixtures/detail-go-cpu.json';
import hotFramesJson from './fixtures/hot-frames.json';

/** A capture of the detail route as it is once it carries workload and evidence. */
export type AcrossDetail = CaptureDetail & WithWorkload & WithFlameEvidence;

export const detailGoCpu = () => fixture<AcrossDetail>(detailGoCpuJson);
export const hotFrames = () => fixture<HotFrames>(hotFramesJson);
export const comparison = () => fixture<CaptureComparison>(compareJson);
