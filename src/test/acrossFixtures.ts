// Fixtures of the flame graph and across-captures views (issue 14), typed through the API types
// like fixtures.ts. Hot frames, previous and the comparison are the backend's contract examples
// (contract/, written by the routes' tests); the go-cpu capture is made by hand in the seam's
// shape (pkg/evidence's Piece, pprof.CPUSummary with its flame tree) until the contract has one.
import type {
  CaptureComparison,
  CaptureDetail,
  HotFrames,
  PreviousCapture,
  WithFlameEvidence,
  WithWorkload,
} from '../api/types';
import compareJson from '../../contract/compare.json';
import hotFramesJson from '../../contract/hot-frames.json';
import previousJson from '../../contract/previous.json';
import { fixture } from './fixtures';
import detailGoCpuJson from './fixtures/detail-go-cpu.json';

/** A capture of the detail route as it is once it carries workload and evidence. */
export type AcrossDetail = CaptureDetail & WithWorkload & WithFlameEvidence;

export const detailGoCpu = () => fixture<AcrossDetail>(detailGoCpuJson);
export const hotFrames = () => fixture<HotFrames>(hotFramesJson);
export const comparison = () => fixture<CaptureComparison>(compareJson);
export const previous = () => fixture<PreviousCapture>(previousJson);
