// The REST API as the console uses it: the session cookie rides along, and every
// state-changing request carries the session's CSRF token.

export type Role = "viewer" | "operator" | "admin";

export interface Session {
  username: string;
  role: Role;
  csrf_token: string | null;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  hint?: string;
}

export class ApiError extends Error {
  status: number;
  code: string;
  hint: string;
  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.hint = body.hint ?? "";
  }
  // What to show a person: the message and what to check (the server's message
  // often ends with ". Check: HINT" already: then the hint is not said twice).
  get text(): string {
    return this.hint && !this.message.includes(this.hint) ? `${this.message} (${this.hint})` : this.message;
  }
}

let csrfToken: string | null = null;
let onSignedOut: (() => void) | null = null;

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

export function onSessionEnded(fn: () => void) {
  onSignedOut = fn;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch("/api/v1" + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, {
      code: "unreachable",
      message: "the ferry server did not answer",
      hint: "check that it is running and reachable",
    });
  }
  if (res.status === 204) return undefined as T;
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err =
      data && typeof data === "object" && "error" in data
        ? ((data as { error: ApiErrorBody }).error)
        : { code: "http_" + res.status, message: `the server answered HTTP ${res.status}` };
    if (res.status === 401 && path !== "/auth/session" && onSignedOut) onSignedOut();
    throw new ApiError(res.status, err);
  }
  return data as T;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.text;
  if (e instanceof Error) return e.message;
  return String(e);
}

// --- the shapes the server answers -------------------------------------------------------

export interface Endpoint {
  endpoint: string;
  region: string;
  profile: string;
  secret: string;
  credential: string;
  path_style: boolean;
  virtual_hosted: boolean;
  no_sign_request: boolean;
}

export interface TaskOptions {
  delete: boolean;
  dry_run: boolean;
  allow_empty_source: boolean;
  max_delete: string;
  compare: string;
  filters: ({ include: string } | { exclude: string })[];
  prefixes: string[];
  modified_after: string;
  modified_before: string;
  storage_class: string;
  sse: string;
  sse_kms_key_id: string;
  acl: string;
  no_metadata: boolean;
  tags: boolean;
  request_payer: boolean;
  multipart_threshold: string;
  part_size: string;
  transfers: number;
  memory: string;
  bwlimit: string;
  max_attempts: number;
}

// Options of a task of kind "images" (container images between registries).
export interface ImageTaskOptions {
  tags: string[];
  list: string[];
  all_repos: boolean;
  insecure_source: boolean;
  insecure_destination: boolean;
  transfers: number;
  max_attempts: number;
  src_credential: string;
  dst_credential: string;
}

// An images task has kind "images", images, and none of the S3 fields
// (mode, source_endpoint, destination_endpoint, options).
export interface TaskSpec {
  kind?: "s3" | "images";
  images?: ImageTaskOptions;
  name: string;
  schedule: string;
  mode: "sync" | "copy" | "check";
  source: string;
  destination: string;
  source_endpoint: Endpoint;
  destination_endpoint: Endpoint;
  options: TaskOptions;
  notify: {
    webhook: string;
    sns_topic_arn: string;
    sns_region: string;
    sns_endpoint: string;
    sns_credential: string;
  };
}

export interface Failure {
  key: string;
  attempts: number;
  error: string;
}

export interface Progress {
  objects_total: number;
  objects_done: number;
  bytes_total: number;
  bytes_done: number;
  listed: number;
  matched: number;
  deleted: number;
  differences: number;
  failed: number;
  parts_resumed: number;
  listing_done: boolean;
  seconds: number;
  throughput_bytes_per_second: number;
  eta_seconds: number | null;
  failures?: Failure[];
}

export interface Run {
  id: string;
  task_id: string;
  number: number;
  state: "Running" | "Completed" | "Failed" | "Stopped";
  trigger: string;
  started_at: number;
  ended_at: number | null;
  resumes: number;
  error: string;
  progress: Progress;
}

export type TaskState = "Created" | "Running" | "Waiting" | "Completed" | "Stopped" | "Failed";

export interface Task extends TaskSpec {
  id: string;
  state: TaskState;
  last_error: string;
  next_run_at: number | null;
  created_at: number;
  updated_at: number;
  created_by: string;
  last_run?: Run | null;
}

export interface LogEntry {
  id: number;
  task_id: string;
  run_id: string;
  time_ms: number;
  level: "info" | "warning" | "error";
  message: string;
}

export interface SeriesPoint {
  time_ms: number;
  bytes_done: number;
  objects_done: number;
  failed: number;
  bytes_per_second: number;
  objects_per_second: number;
}

export interface Credential {
  name: string;
  owner?: string;
  created_by?: string;
  endpoints?: string[];
  created_at: number;
  updated_at?: number;
}

export interface User {
  username: string;
  role: Role;
  created_at: number;
}

export interface Token {
  id: string;
  name: string;
  kind?: string;
  created_at: number;
  expires_at: number | null;
}

export const canOperate = (s: Session | null) => s?.role === "operator" || s?.role === "admin";
export const isAdmin = (s: Session | null) => s?.role === "admin";
