// The task form's fields for a task of kind "images": container images from one
// registry to another (the API's ImageTaskOptions). TaskForm.tsx keeps the name,
// the schedule and the save; this file turns its state into the API's spec and back.
import type { Credential, Task, TaskSpec } from "../api";
import { CredentialOptions } from "../components/CredentialOptions";
import { Field } from "../components/Field";
import { Link } from "../router";

type Errors = Record<string, string>;
type Schema = Record<string, { default?: unknown; minimum?: number; maximum?: number }>;

export interface ImageState {
  source: string;
  destination: string;
  selection: "repo" | "list" | "all";
  list: string; // REPO[:TAG], one a line
  tags: string; // tag names or globs, separated by commas or spaces
  insecureSource: boolean;
  insecureDestination: boolean;
  srcCredential: string;
  dstCredential: string;
  transfers: string;
  maxAttempts: string;
  webhook: string;
}

export interface ImageLimits {
  transfers: [number, number];
  attempts: [number, number];
}

// Limits and defaults as the API's schema (ImageTaskOptions) states them.
export function imageLimits(schema: Schema): ImageLimits {
  return {
    transfers: [schema.transfers?.minimum ?? 1, schema.transfers?.maximum ?? 256],
    attempts: [schema.max_attempts?.minimum ?? 1, schema.max_attempts?.maximum ?? 100],
  };
}

export function emptyImageState(schema: Schema): ImageState {
  return {
    source: "", destination: "", selection: "repo", list: "", tags: "",
    insecureSource: false, insecureDestination: false, srcCredential: "", dstCredential: "",
    transfers: String(schema.transfers?.default ?? 8), maxAttempts: String(schema.max_attempts?.default ?? 3),
    webhook: "",
  };
}

export function imageStateFromTask(t: Task, schema: Schema): ImageState {
  const s = emptyImageState(schema);
  const i = t.images;
  return {
    ...s,
    source: t.source,
    destination: t.destination,
    selection: i?.all_repos ? "all" : i && i.list.length > 0 ? "list" : "repo",
    list: (i?.list ?? []).join("\n"),
    tags: (i?.tags ?? []).join(", "),
    insecureSource: i?.insecure_source ?? false,
    insecureDestination: i?.insecure_destination ?? false,
    srcCredential: i?.src_credential ?? "",
    dstCredential: i?.dst_credential ?? "",
    transfers: String(i?.transfers ?? s.transfers),
    maxAttempts: String(i?.max_attempts ?? s.maxAttempts),
    webhook: t.notify?.webhook ?? "",
  };
}

const tagsOf = (s: ImageState) => s.tags.split(/[\s,]+/).filter(Boolean);
const listOf = (s: ImageState) =>
  s.list.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

// The spec's fields of an images task (name and schedule come from the form).
export function imageSpecOf(s: ImageState): Pick<TaskSpec, "kind" | "source" | "destination" | "images" | "notify"> {
  return {
    kind: "images",
    source: s.source.trim(),
    destination: s.destination.trim(),
    images: {
      tags: tagsOf(s),
      list: s.selection === "list" ? listOf(s) : [],
      all_repos: s.selection === "all",
      insecure_source: s.insecureSource,
      insecure_destination: s.insecureDestination,
      transfers: Number(s.transfers),
      max_attempts: Number(s.maxAttempts),
      src_credential: s.srcCredential,
      dst_credential: s.dstCredential,
    },
    // A merge patch on edit: the notify fields the form has no field for keep their value.
    notify: { webhook: s.webhook.trim() } as TaskSpec["notify"],
  };
}

// The registry reference rules of the server (src/images/reference.cc).
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const GLOB = /^[A-Za-z0-9_.\-*?]{1,128}$/;

interface Ref {
  repo: string;
  tag: string;
  problem: string;
}

function parseRepoTag(path: string): Ref {
  const colon = path.lastIndexOf(":");
  const repo = colon < 0 ? path : path.slice(0, colon);
  const tag = colon < 0 ? "" : path.slice(colon + 1);
  let problem = "";
  if (path.includes("@")) problem = "Name a tag, not a digest (@sha256:…).";
  else if (repo && !repo.split("/").every((c) => COMPONENT.test(c)))
    problem = `'${repo}' is not a repository name: lower-case letters, digits and . _ - between '/'.`;
  else if (colon >= 0 && !TAG.test(tag))
    problem = `'${tag}' is not a tag: up to 128 of A-Z a-z 0-9 _ . - (not starting with . or -).`;
  return { repo, tag, problem };
}

function parseRef(text: string, which: "source" | "destination"): Ref {
  const t = text.trim();
  if (!t) {
    const example = which === "source" ? "registry.example.com/team/app" : "mirror.example.com/team/app";
    return { repo: "", tag: "", problem: `Enter the ${which} registry: HOST[:PORT]/REPO, e.g. ${example}.` };
  }
  if (/^[a-z]+:\/\//i.test(t))
    return { repo: "", tag: "", problem: "Leave out the scheme (http://, docker://): HOST[:PORT]/REPO; tick Plain HTTP for a registry without TLS." };
  if (/\s/.test(t)) return { repo: "", tag: "", problem: "A registry reference has no spaces." };
  const slash = t.indexOf("/");
  const host = slash < 0 ? t : t.slice(0, slash);
  if (!host || host.includes("@")) return { repo: "", tag: "", problem: "Start with the registry's host (and :PORT)." };
  return parseRepoTag(slash < 0 ? "" : t.slice(slash + 1).replace(/\/+$/, ""));
}

export function validateImages(s: ImageState, limits: ImageLimits): Errors {
  const e: Errors = {};
  const src = parseRef(s.source, "source");
  const dst = parseRef(s.destination, "destination");
  if (src.problem) e.source = src.problem;
  if (dst.problem) e.destination = dst.problem;
  const listing = s.selection !== "repo";
  if (!e.source && !listing && !src.repo)
    e.source = "Name a repository (HOST[:PORT]/REPO), or choose listed or all repositories below.";
  if (!e.source && listing && src.tag)
    e.source = "With listed or all repositories, the source is HOST[:PORT][/NAMESPACE], without a tag.";
  if (!e.destination && listing && dst.tag)
    e.destination = "With listed or all repositories, the destination is HOST[:PORT][/PREFIX], without a tag.";
  if (!e.destination && !e.source && dst.tag && !src.tag)
    e.destination = "A destination tag renames one source tag: name that tag in the source too.";
  const tags = tagsOf(s);
  const badTag = tags.find((g) => !GLOB.test(g));
  if (badTag) e["images.tags"] = `'${badTag}' is not a tag or glob: A-Z a-z 0-9 _ . -, '*' for any run of them, '?' for one.`;
  else if (tags.length && src.tag && !e.source)
    e["images.tags"] = "The source names one tag (:TAG): leave the tags empty, or take the tag out of the source.";
  if (s.selection === "list") {
    const items = listOf(s);
    if (items.length === 0) e["images.list"] = "Name at least one repository, one a line: REPO or REPO:TAG.";
    for (const [n, item] of items.entries()) {
      const r = parseRepoTag(item);
      if (r.problem || !r.repo) {
        e["images.list"] = `Line ${n + 1}, '${item}': ${r.problem || "name a repository."}`;
        break;
      }
    }
  }
  const t = Number(s.transfers);
  if (!Number.isInteger(t) || t < limits.transfers[0] || t > limits.transfers[1])
    e["images.transfers"] = `A whole number from ${limits.transfers[0]} to ${limits.transfers[1]}.`;
  const a = Number(s.maxAttempts);
  if (!Number.isInteger(a) || a < limits.attempts[0] || a > limits.attempts[1])
    e["images.max_attempts"] = `A whole number from ${limits.attempts[0]} to ${limits.attempts[1]}.`;
  if (s.webhook.trim() && !/^https?:\/\//.test(s.webhook.trim())) e["notify.webhook"] = "An http:// or https:// URL.";
  return e;
}

// Which field a server's refusal of an images task names ("images.tags item 1 …",
// "source: invalid repository name …", "… images.src_credential …").
export function imageFieldOfError(message: string): string {
  const m = message.match(/images\.(tags|list|all_repos|transfers|max_attempts|src_credential|dst_credential)/);
  if (m) return m[1] === "all_repos" ? "images.list" : "images." + m[1];
  if (message.includes("notify.webhook")) return "notify.webhook";
  if (/^source\b/.test(message)) return "source";
  if (/^destination\b/.test(message)) return "destination";
  if (/schedule|cron|rate\(/i.test(message)) return "schedule";
  if (/\bname\b/.test(message)) return "name";
  if (/\bsource\b/.test(message)) return "source";
  if (/\bdestination\b/.test(message)) return "destination";
  return "";
}

function Registry({
  which,
  value,
  onChange,
  credentials,
  errors,
}: {
  which: "source" | "destination";
  value: ImageState;
  onChange: (s: ImageState) => void;
  credentials: Credential[];
  errors: Errors;
}) {
  const src = which === "source";
  const listing = value.selection !== "repo";
  const credField = src ? "images.src_credential" : "images.dst_credential";
  const help = src
    ? listing
      ? "HOST[:PORT], or HOST[:PORT]/NAMESPACE: the repositories are found under it"
      : "HOST[:PORT]/REPO, or HOST[:PORT]/REPO:TAG for one tag"
    : listing
      ? "HOST[:PORT], or HOST[:PORT]/PREFIX: each repository goes under it"
      : "HOST[:PORT]/REPO; HOST[:PORT] alone keeps the source's repository name";
  return (
    <fieldset className="side">
      <legend>{src ? "Source registry" : "Destination registry"}</legend>
      <Field label={src ? "Images from" : "Images to"} error={errors[which]} help={help}>
        {(p) => (
          <input
            {...p}
            className="mono"
            value={src ? value.source : value.destination}
            placeholder={(src ? "registry.example.com/team" : "mirror.example.com/team") + (listing ? "" : "/app")}
            autoCapitalize="off"
            spellCheck={false}
            onChange={(e) => onChange(src ? { ...value, source: e.target.value } : { ...value, destination: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Stored credential"
        error={errors[credField]}
        help={
          credentials.length === 0 ? (
            <>No credential is stored yet: <Link href="/admin/credentials">store one</Link>.</>
          ) : (
            "User as access key id, password as secret, bound to the registry's URL"
          )
        }
      >
        {(p) => (
          <select
            {...p}
            value={src ? value.srcCredential : value.dstCredential}
            onChange={(e) => onChange(src ? { ...value, srcCredential: e.target.value } : { ...value, dstCredential: e.target.value })}
          >
            <CredentialOptions none="None: anonymous access" credentials={credentials} />
          </select>
        )}
      </Field>
      <div className="checks">
        <label className="check">
          <input
            type="checkbox"
            checked={src ? value.insecureSource : value.insecureDestination}
            onChange={(e) =>
              onChange(src ? { ...value, insecureSource: e.target.checked } : { ...value, insecureDestination: e.target.checked })
            }
          />{" "}
          Plain HTTP (a registry without TLS)
        </label>
      </div>
    </fieldset>
  );
}

// The two registries and which images go: before the schedule.
export function ImageSides({
  value,
  onChange,
  credentials,
  errors,
}: {
  value: ImageState;
  onChange: (s: ImageState) => void;
  credentials: Credential[];
  errors: Errors;
}) {
  return (
    <>
      <div className="sides">
        <Registry which="source" value={value} onChange={onChange} credentials={credentials} errors={errors} />
        <Registry which="destination" value={value} onChange={onChange} credentials={credentials} errors={errors} />
      </div>
      <fieldset>
        <legend>Which images</legend>
        <div className="radios" role="radiogroup" aria-label="Which repositories">
          {(
            [
              ["repo", "The source's repository"],
              ["list", "Repositories listed here"],
              ["all", "Every repository of the source (its catalog)"],
            ] as const
          ).map(([k, label]) => (
            <label key={k} className="radio">
              <input type="radio" name="image-selection" checked={value.selection === k} onChange={() => onChange({ ...value, selection: k })} />{" "}
              {label}
            </label>
          ))}
        </div>
        {value.selection === "list" && (
          <Field label="Repositories" error={errors["images.list"]} help="One a line, REPO or REPO:TAG, under the source's namespace; # starts a comment">
            {(p) => (
              <textarea {...p} className="mono" rows={3} value={value.list} spellCheck={false} placeholder={"team/app\nteam/worker:v2"}
                onChange={(e) => onChange({ ...value, list: e.target.value })} />
            )}
          </Field>
        )}
        <Field label="Tags" error={errors["images.tags"]} help="Names or globs, separated by commas: '*' any run of tag characters, '?' one. Empty: every tag">
          {(p) => (
            <input {...p} className="mono" value={value.tags} placeholder="v1.*, latest" autoCapitalize="off" spellCheck={false}
              onChange={(e) => onChange({ ...value, tags: e.target.value })} />
          )}
        </Field>
      </fieldset>
    </>
  );
}

// Transfers and attempts (limits and defaults from the server's schema) and the
// webhook: after the schedule.
export function ImageOptions({
  value,
  onChange,
  errors,
  limits,
}: {
  value: ImageState;
  onChange: (s: ImageState) => void;
  errors: Errors;
  limits: ImageLimits;
}) {
  return (
    <fieldset>
      <legend>Options</legend>
      <div className="grid">
        <Field label={`Transfers at once (${limits.transfers[0]}–${limits.transfers[1]})`} error={errors["images.transfers"]} help="Blobs in flight, and images">
          {(p) => (
            <input {...p} type="number" min={limits.transfers[0]} max={limits.transfers[1]} value={value.transfers}
              onChange={(e) => onChange({ ...value, transfers: e.target.value })} />
          )}
        </Field>
        <Field label={`Attempts per image (${limits.attempts[0]}–${limits.attempts[1]})`} error={errors["images.max_attempts"]}>
          {(p) => (
            <input {...p} type="number" min={limits.attempts[0]} max={limits.attempts[1]} value={value.maxAttempts}
              onChange={(e) => onChange({ ...value, maxAttempts: e.target.value })} />
          )}
        </Field>
      </div>
      <Field label="Webhook told of failed images" error={errors["notify.webhook"]} help="Optional: gets a JSON POST when a run ends with failed images, or fails">
        {(p) => (
          <input {...p} className="mono" value={value.webhook} placeholder="https://hooks.example.com/ferry"
            onChange={(e) => onChange({ ...value, webhook: e.target.value })} />
        )}
      </Field>
    </fieldset>
  );
}
