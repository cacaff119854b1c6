// Fixtures of the flame graph and across-captures views (issue 14), typed through the API types
// like fixtures.ts. Hot frames, previous and the comparison are the backend's contract examples
// (contract/, written by the routes' tests), the go-cpu pieces the rooms' real collections
// (contract/evidence/); the go-cpu capture with a deeper tree is made by hand in the same shape
// (pkg/evidence's Piece, pprof.CPUSummary with its flame tree).
import type {
  CaptureComparison,
  CaptureDetail,
  EvidencePiece,
  HotFrames,
  PreviousCapture,
} from '../api/types';
import compareJson from '../../contract/compare.json';
import goCpuNoEndpointJson from '../../contract/evidence/go-cpu-no-endpoint.json';
import goCpuJson from '../../contract/evidence/go-cpu.json';
import hotFramesJson from '../../contract/hot-frames.json';
import previousJson from '../../contract/previous.json';
import { fixture } from './fixtures';
import detailGoCpuJson from './fixtures/detail-go-cpu.json';

/** A capture of the detail route as it is once it carries workload and evidence. */
export type AcrossDetail = CaptureDetail;

export const detailGoCpu = () => fixture<AcrossDetail>(detailGoCpuJson);
export const hotFrames = () => fixture<HotFrames>(hotFramesJson);
export const comparison = () => fixture<CaptureComparison>(compareJson);
export const previous = () => fixture<PreviousCapture>(previousJson);
/** A go-cpu piece from a real collection (pproftest's target), with its flame tree. */
export const goCpuPiece = () => fixture<EvidencePiece>(goCpuJson);
/** A go-cpu piece that could not be taken: the pod declares no pprof endpoint. */
export const goCpuNoEndpoint = () => fixture<EvidencePiece>(goCpuNoEndpointJson);
