import { lastValueFrom } from 'rxjs';
import { config, getBackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import { PLUGIN_ID, RESOURCES_URL } from '../constants';
import type {
  AppSettings,
  CaptureComparison,
  CaptureDetail,
  CaptureList,
  CaptureQuery,
  ClusterList,
  HealthResult,
  HotFrames,
  HotFramesQuery,
  PreviousCapture,
  SubmitRequest,
  SubmitResult,
} from './types';

/** An API call that failed, with the backend's plain-text reason. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly data: unknown
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface FetchFailure {
  status?: number;
  statusText?: string;
  data?: unknown;
  message?: string;
}

function describeFailure(err: FetchFailure): string {
  const { data } = err;
  if (typeof data === 'string' && data.trim() !== '') {
    return data.trim();
  }
  if (data && typeof data === 'object' && 'message' in data && typeof data.message === 'string') {
    return data.message;
  }
  if (err.status) {
    return `HTTP ${err.status}${err.statusText ? ` ${err.statusText}` : ''}`;
  }
  return err.message ?? 'request failed';
}

async function request<T>(options: BackendSrvRequest): Promise<T> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({ ...options, showErrorAlert: false, showSuccessAlert: false })
    );
    return response.data;
  } catch (e) {
    const err = (e ?? {}) as FetchFailure;
    throw new ApiError(describeFailure(err), err.status ?? 0, err.data);
  }
}

function queryParams(q: CaptureQuery): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(q)) {
    if (value !== undefined && value !== '' && value !== null) {
      params[key] = value;
    }
  }
  return params;
}

export function listCaptures(q: CaptureQuery): Promise<CaptureList> {
  return request<CaptureList>({ url: `${RESOURCES_URL}/captures`, method: 'GET', params: queryParams(q) });
}

export function getCapture(id: number): Promise<CaptureDetail> {
  return request<CaptureDetail>({ url: `${RESOURCES_URL}/captures/${id}`, method: 'GET' });
}

/** The clusters this org may capture in, with their namespaces. */
export function listClusters(): Promise<ClusterList> {
  return request<ClusterList>({ url: `${RESOURCES_URL}/clusters`, method: 'GET' });
}

export function submitCapture(body: SubmitRequest): Promise<SubmitResult> {
  return request<SubmitResult>({ url: `${RESOURCES_URL}/captures`, method: 'POST', data: body });
}

/** Href of the raw thread dump download, including Grafana's sub-path. */
export function rawDumpHref(id: number): string {
  return `${config.appSubUrl ?? ''}${RESOURCES_URL}/captures/${id}/raw`;
}

/**
 * Runs the plugin's health check. Grafana answers a failed check with a non-2xx status
 * but still sends the check result, so that is returned rather than thrown.
 */
export async function checkHealth(): Promise<HealthResult> {
  try {
    return await request<HealthResult>({ url: `/api/plugins/${PLUGIN_ID}/health`, method: 'GET' });
  } catch (e) {
    if (e instanceof ApiError && isHealthResult(e.data)) {
      return e.data;
    }
    throw e;
  }
}

function isHealthResult(data: unknown): data is HealthResult {
  return Boolean(data && typeof data === 'object' && 'status' in data && 'message' in data);
}

export interface PluginSettingsUpdate {
  enabled: boolean;
  pinned: boolean;
  jsonData: AppSettings;
}

export function savePluginSettings(update: PluginSettingsUpdate): Promise<unknown> {
  return request<unknown>({ url: `/api/plugins/${PLUGIN_ID}/settings`, method: 'POST', data: update });
}

/** Href of a piece of evidence's raw download (rawUrl is relative to the plugin's resources). */
export function evidenceRawHref(rawUrl: string): string {
  return `${config.appSubUrl ?? ''}${RESOURCES_URL}/${rawUrl.replace(/^\/+/, '')}`;
}

// ---- Across captures ----

/** The frames that were hottest in one workload's captures over a time range. */
export function getHotFrames(q: HotFramesQuery): Promise<HotFrames> {
  return request<HotFrames>({
    url: `${RESOURCES_URL}/workloads/hot-frames`,
    method: 'GET',
    params: {
      cluster: q.cluster,
      namespace: q.namespace,
      kind: q.kind,
      name: q.name,
      from: q.from,
      to: q.to,
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
    },
  });
}

/**
 * The previous done capture of the same workload, or undefined when there is none (the backend
 * answers 404). Other failures are thrown.
 */
export async function getPreviousCapture(id: number): Promise<PreviousCapture | undefined> {
  try {
    return await request<PreviousCapture>({ url: `${RESOURCES_URL}/captures/${id}/previous`, method: 'GET' });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      return undefined;
    }
    throw e;
  }
}

/** What changed between two captures: base is the earlier one, other the one compared with it. */
export function compareCaptures(base: number, other: number): Promise<CaptureComparison> {
  return request<CaptureComparison>({
    url: `${RESOURCES_URL}/captures/compare`,
    method: 'GET',
    params: { base, other },
  });
}
