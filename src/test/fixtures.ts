// The backend's contract fixtures, typed through the API types. Widen<T> turns literal unions
// (statuses, states) into string because JSON imports are typed that way; contract.test.ts checks
// those values at run time. A missing or retyped field fails typecheck here.
import type { CaptureDetail, CaptureList, ClusterList, HealthResult, SubmitResult } from '../api/types';
import clustersJson from '../../contract/clusters.json';
import detailDoneJson from '../../contract/detail-done.json';
import detailFailedJson from '../../contract/detail-failed.json';
import detailSkippedJson from '../../contract/detail-skipped.json';
import detailTruncatedJson from '../../contract/detail-truncated.json';
import healthJson from '../../contract/health.json';
import listJson from '../../contract/list.json';
import listEvidenceJson from '../../contract/list-evidence.json';
import submitJson from '../../contract/submit.json';

export type Widen<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends null | undefined
        ? T
        : T extends Array<infer U>
          ? Array<Widen<U>>
          : T extends object
            ? { [K in keyof T]: Widen<T[K]> }
            : T;

export function fixture<T>(json: Widen<T>): T {
  // Deep copy so a test cannot change what another test sees.
  return JSON.parse(JSON.stringify(json)) as T;
}

export const captureList = () => fixture<CaptureList>(listJson);
export const captureListEvidence = () => fixture<CaptureList>(listEvidenceJson);
export const detailDone = () => fixture<CaptureDetail>(detailDoneJson);
export const detailFailed = () => fixture<CaptureDetail>(detailFailedJson);
export const detailSkipped = () => fixture<CaptureDetail>(detailSkippedJson);
export const detailTruncated = () => fixture<CaptureDetail>(detailTruncatedJson);
export const health = () => fixture<HealthResult>(healthJson);
export const submitResult = () => fixture<SubmitResult>(submitJson);
export const clusterList = () => fixture<ClusterList>(clustersJson);
