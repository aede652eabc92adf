import { useEffect, useMemo, useState, type FormEvent } from "react";
import {
  api,
  ApiError,
  canOperate,
  errorText,
  type Credential,
  type Endpoint,
  type Task,
  type TaskSpec,
} from "../api";
import { CredentialOptions } from "../components/CredentialOptions";
import { Field } from "../components/Field";
import { Time } from "../format";
import { guessPreset, PRESETS } from "../presets";
import {
  emptyImageState, imageFieldOfError, imageLimits, ImageOptions, ImageSides, imageSpecOf, imageStateFromTask,
  validateImages, type ImageState,
} from "./ImageTaskFields";
import { Link, navigate } from "../router";
import { useSession } from "../session";

type Errors = Record<string, string>;

// Limits and defaults of the options, as the API's OpenAPI schema states them.
interface OptionSchema {
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  description?: string;
}
type Schema = Record<string, OptionSchema>;

interface Side {
  kind: "s3" | "folder";
  bucket: string;
  prefix: string;
  folder: string;
  preset: string;
  region: string;
  account: string;
  endpoint: string;
  pathStyle: boolean;
  credential: string;
  anonymous: boolean;
}

interface ScheduleState {
  kind: "once" | "rate" | "cron" | "aws";
  every: number;
  unit: "minutes" | "hours" | "days";
  cron: string;
  aws: string;
}

const emptySide = (): Side => ({
  kind: "s3",
  bucket: "",
  prefix: "",
  folder: "",
  preset: "custom",
  region: "",
  account: "",
  endpoint: "",
  pathStyle: true,
  credential: "",
  anonymous: false,
});

function sideFromTask(location: string, e: Endpoint): Side {
  const s = emptySide();
  const m = location.match(/^s3:\/\/([^/]+)\/?(.*)$/);
  if (m) {
    s.bucket = m[1];
    s.prefix = m[2];
  } else {
    s.kind = "folder";
    s.folder = location;
  }
  const g = guessPreset(e.endpoint);
  s.preset = g.preset.id;
  s.region = e.region || g.region;
  s.account = g.account;
  s.endpoint = e.endpoint;
  s.pathStyle = e.path_style;
  s.credential = e.credential;
  s.anonymous = e.no_sign_request;
  return s;
}

function locationOf(s: Side): string {
  if (s.kind === "folder") return s.folder.trim();
  const prefix = s.prefix.trim().replace(/^\/+/, "");
  return `s3://${s.bucket.trim()}${prefix ? "/" + prefix : ""}`;
}

function endpointOf(s: Side): Partial<Endpoint> {
  if (s.kind === "folder") return {};
  return {
    endpoint: s.endpoint.trim(),
    region: s.region.trim(),
    path_style: s.pathStyle,
    virtual_hosted: !s.pathStyle && s.endpoint.trim() !== "",
    credential: s.anonymous ? "" : s.credential,
    no_sign_request: s.anonymous,
  };
}

function scheduleFromText(text: string): ScheduleState {
  const st: ScheduleState = { kind: "once", every: 1, unit: "hours", cron: "0 2 * * *", aws: "cron(0 2 * * ? *)" };
  const t = text.trim();
  let m: RegExpMatchArray | null;
  if (t === "" || t === "once") return st;
  if ((m = t.match(/^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/))) {
    st.kind = "rate";
    st.every = Number(m[1]);
    st.unit = (m[2].endsWith("s") ? m[2] : m[2] + "s") as ScheduleState["unit"];
  } else if (t === "rate") {
    st.kind = "rate";
  } else if (t.startsWith("cron(")) {
    st.kind = "aws";
    st.aws = t;
  } else {
    st.kind = "cron";
    st.cron = t;
  }
  return st;
}

function scheduleText(s: ScheduleState): string {
  switch (s.kind) {
    case "once":
      return "once";
    case "rate":
      return `rate(${s.every} ${s.every === 1 ? s.unit.replace(/s$/, "") : s.unit})`;
    case "cron":
      return s.cron.trim();
    case "aws":
      return s.aws.trim();
  }
}

// Which field a server error names: its path ("options.transfers"), else a word it uses.
export function fieldOfError(message: string, spec: { source: string; destination: string }): string {
  const paths = [
    "source_endpoint.credential", "destination_endpoint.credential", "source_endpoint.endpoint",
    "destination_endpoint.endpoint", "source_endpoint.region", "destination_endpoint.region",
    "notify.webhook", "notify.sns_topic_arn", "notify.sns_endpoint", "notify.sns_credential",
    "options.transfers", "options.max_attempts", "options.max_delete", "options.compare",
    "options.filters", "options.multipart_threshold", "options.part_size", "options.memory",
    "options.bwlimit", "options.modified_after", "options.modified_before", "options.sse",
    "options.storage_class", "options.acl",
  ];
  for (const p of paths) if (message.includes(p)) return p;
  const flags: [RegExp, string][] = [
    [/--transfers/, "options.transfers"], [/--max-attempts/, "options.max_attempts"],
    [/--max-delete/, "options.max_delete"], [/--part-size/, "options.part_size"],
    [/--multipart-threshold/, "options.multipart_threshold"], [/--memory/, "options.memory"],
    [/--bwlimit/, "options.bwlimit"], [/--modified-after/, "options.modified_after"],
    [/--modified-before/, "options.modified_before"], [/--include|--exclude|glob/i, "options.filters"],
    [/--sse|kms/i, "options.sse"], [/--storage-class/, "options.storage_class"],
    [/schedule|cron|rate\(/i, "schedule"], [/\bname\b/, "name"],
  ];
  for (const [re, f] of flags) if (re.test(message)) return f;
  if (/\bsource\b/.test(message) || (spec.source && message.includes(spec.source))) return "source";
  if (/\bdestination\b/.test(message) || (spec.destination && message.includes(spec.destination)))
    return "destination";
  return "";
}

function Schedule({
  value,
  onChange,
  error,
}: {
  value: ScheduleState;
  onChange: (s: ScheduleState) => void;
  error?: string;
}) {
  const text = scheduleText(value);
  const [next, setNext] = useState<number[]>([]);
  const [problem, setProblem] = useState("");
  useEffect(() => {
    if (value.kind === "once") {
      setNext([]);
      setProblem("");
      return;
    }
    const timer = setTimeout(async () => {
      try {
        const r = await api<{ next: number[] }>(
          "GET",
          "/schedules/next?count=5&schedule=" + encodeURIComponent(text),
        );
        setNext(r.next);
        setProblem("");
      } catch (e) {
        setNext([]);
        setProblem(errorText(e));
      }
    }, 250);
    return () => clearTimeout(timer);
  }, [text, value.kind]);
  const shown = error || problem;
  return (
    <fieldset className="schedule">
      <legend>Schedule</legend>
      <div className="radios" role="radiogroup" aria-label="When the task runs">
        {(
          [
            ["once", "Once, when started"],
            ["rate", "Every N minutes, hours or days"],
            ["cron", "Cron (5 fields, UTC)"],
            ["aws", "AWS cron(…) expression"],
          ] as const
        ).map(([k, label]) => (
          <label key={k} className="radio">
            <input
              type="radio"
              name="schedule-kind"
              checked={value.kind === k}
              onChange={() => onChange({ ...value, kind: k })}
            />{" "}
            {label}
          </label>
        ))}
      </div>
      {value.kind === "rate" && (
        <div className="row">
          <Field label="Every" error={shown && value.kind === "rate" ? shown : undefined}>
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                value={value.every}
                onChange={(e) => onChange({ ...value, every: Math.max(1, Number(e.target.value) || 1) })}
              />
            )}
          </Field>
          <Field label="Unit">
            {(p) => (
              <select {...p} value={value.unit} onChange={(e) => onChange({ ...value, unit: e.target.value as ScheduleState["unit"] })}>
                <option value="minutes">minutes</option>
                <option value="hours">hours</option>
                <option value="days">days</option>
              </select>
            )}
          </Field>
        </div>
      )}
      {value.kind === "cron" && (
        <Field label="Cron expression" error={shown} help="minute hour day-of-month month day-of-week, in UTC; e.g. 0 2 * * 1-5">
          {(p) => <input {...p} className="mono" value={value.cron} onChange={(e) => onChange({ ...value, cron: e.target.value })} />}
        </Field>
      )}
      {value.kind === "aws" && (
        <Field label="AWS cron expression" error={shown} help="cron(minutes hours day-of-month month day-of-week year), one day field '?'">
          {(p) => <input {...p} className="mono" value={value.aws} onChange={(e) => onChange({ ...value, aws: e.target.value })} />}
        </Field>
      )}
      {value.kind === "once" && error && <p className="field-error" role="alert">{error}</p>}
      {next.length > 0 && (
        <div className="next-runs" aria-live="polite">
          <p className="small">Next runs, as the server computes them (your time zone; UTC on hover):</p>
          <ol>
            {next.map((t) => (
              <li key={t}>
                <Time at={t} />
              </li>
            ))}
          </ol>
        </div>
      )}
    </fieldset>
  );
}

function SideEditor({
  which,
  side,
  onChange,
  credentials,
  errors,
}: {
  which: "source" | "destination";
  side: Side;
  onChange: (s: Side) => void;
  credentials: Credential[];
  errors: Errors;
}) {
  const preset = PRESETS.find((p) => p.id === side.preset) ?? PRESETS[PRESETS.length - 1];
  const ep = which === "source" ? "source_endpoint" : "destination_endpoint";
  const applyPreset = (id: string, region: string, account: string) => {
    const p = PRESETS.find((x) => x.id === id)!;
    const r = region || p.regions[0] || "";
    onChange({
      ...side,
      preset: id,
      region: r,
      account,
      endpoint: p.id === "custom" ? side.endpoint : p.endpoint(r, account),
      pathStyle: p.pathStyle,
    });
  };
  const title = which === "source" ? "Source" : "Destination";
  return (
    <fieldset className="side">
      <legend>{title}</legend>
      <div className="radios">
        <label className="radio">
          <input type="radio" name={which + "-kind"} checked={side.kind === "s3"} onChange={() => onChange({ ...side, kind: "s3" })} /> S3 bucket
        </label>
        <label className="radio">
          <input type="radio" name={which + "-kind"} checked={side.kind === "folder"} onChange={() => onChange({ ...side, kind: "folder" })} /> Folder on the server
        </label>
      </div>
      {side.kind === "folder" ? (
        <Field label="Folder" error={errors[which]} help="An absolute path under the server's --local-root">
          {(p) => <input {...p} className="mono" value={side.folder} onChange={(e) => onChange({ ...side, folder: e.target.value })} />}
        </Field>
      ) : (
        <>
          <div className="row">
            <Field label="Service" className="grow">
              {(p) => (
                <select {...p} value={side.preset} onChange={(e) => applyPreset(e.target.value, "", side.account)}>
                  {PRESETS.map((x) => (
                    <option key={x.id} value={x.id}>
                      {x.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {preset.regions.length > 0 ? (
              <Field label="Region" error={errors[ep + ".region"]}>
                {(p) => (
                  <select {...p} value={side.region} onChange={(e) => applyPreset(side.preset, e.target.value, side.account)}>
                    {preset.regions.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                )}
              </Field>
            ) : (
              <Field label="Region" error={errors[ep + ".region"]} help="Optional for most servers">
                {(p) => <input {...p} value={side.region} onChange={(e) => onChange({ ...side, region: e.target.value })} placeholder="us-east-1" />}
              </Field>
            )}
          </div>
          {preset.needsAccount && (
            <Field label="Cloudflare account id">
              {(p) => <input {...p} value={side.account} onChange={(e) => applyPreset(side.preset, side.region, e.target.value.trim())} />}
            </Field>
          )}
          <Field label="Endpoint URL" error={errors[ep + ".endpoint"]} help={preset.note}>
            {(p) => (
              <input
                {...p}
                className="mono"
                value={side.endpoint}
                readOnly={preset.id !== "custom"}
                placeholder="https://minio.example.com:9000"
                onChange={(e) => onChange({ ...side, endpoint: e.target.value })}
              />
            )}
          </Field>
          <div className="row">
            <Field label="Bucket" error={errors[which]} className="grow">
              {(p) => <input {...p} className="mono" value={side.bucket} onChange={(e) => onChange({ ...side, bucket: e.target.value })} />}
            </Field>
            <Field label="Prefix (folder, optional)" className="grow">
              {(p) => <input {...p} className="mono" value={side.prefix} onChange={(e) => onChange({ ...side, prefix: e.target.value })} placeholder="data/2026/" />}
            </Field>
          </div>
          <div className="row">
            <Field label="Stored credential" error={errors[ep + ".credential"]} className="grow"
              help={credentials.length === 0 ? <>No credential is stored yet: <Link href="/admin/credentials">store one</Link>.</> : undefined}>
              {(p) => (
                <select {...p} value={side.anonymous ? "" : side.credential} disabled={side.anonymous}
                  onChange={(e) => onChange({ ...side, credential: e.target.value })}>
                  <CredentialOptions none="None: the server's own credentials (if its admin allows them)" credentials={credentials} />
                </select>
              )}
            </Field>
          </div>
          <div className="checks">
            <label className="check">
              <input type="checkbox" checked={side.pathStyle} onChange={(e) => onChange({ ...side, pathStyle: e.target.checked })} /> Path-style
              addressing (endpoint/bucket/key)
            </label>
            {which === "source" && (
              <label className="check">
                <input type="checkbox" checked={side.anonymous} onChange={(e) => onChange({ ...side, anonymous: e.target.checked })} /> Public
                bucket (unsigned requests)
              </label>
            )}
          </div>
        </>
      )}
    </fieldset>
  );
}

const KINDS = { s3: "Objects (S3, folders)", images: "Container images" } as const;

interface OptionsState {
  mode: "sync" | "copy" | "check";
  deleteExtra: boolean;
  maxDelete: string;
  compare: string;
  filters: string;
  transfers: string;
  maxAttempts: string;
  multipartThreshold: string;
  partSize: string;
  memory: string;
  bwlimit: string;
  storageClass: string;
  sse: string;
  dryRun: boolean;
  webhook: string;
}

export function TaskFormPage({ id }: { id?: string }) {
  const { session } = useSession();
  const [name, setName] = useState("");
  const [src, setSrc] = useState<Side>(emptySide());
  const [dst, setDst] = useState<Side>(emptySide());
  const [schedule, setSchedule] = useState<ScheduleState>(scheduleFromText("once"));
  const [opts, setOpts] = useState<OptionsState | null>(null);
  const [schema, setSchema] = useState<Schema>({});
  const [credentials, setCredentials] = useState<Credential[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState("");
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState<Task | null>(null);
  const [submitted, setSubmitted] = useState(false);
  // What the task moves: objects (S3, folders) or container images; fixed once created.
  const [kind, setKind] = useState<"s3" | "images">("s3");
  const [img, setImg] = useState<ImageState>(emptyImageState({}));
  const [imageSchema, setImageSchema] = useState<Schema>({});

  useEffect(() => {
    (async () => {
      try {
        const [doc, creds] = await Promise.all([
          // A task's options are one schema, made from the server's option table.
          api<{ components: { schemas: { RunOptions: { properties: Schema }; ImageTaskOptions?: { properties: Schema } } } }>(
            "GET", "/openapi.json"),
          api<{ credentials: Credential[] }>("GET", "/credentials"),
        ]);
        const sc = doc.components.schemas.RunOptions.properties;
        setSchema(sc);
        setCredentials(creds.credentials);
        const isc = doc.components.schemas.ImageTaskOptions?.properties ?? {};
        setImageSchema(isc);
        setImg(emptyImageState(isc));
        const d = (k: string, f: string) => String(sc[k]?.default ?? f);
        let o: OptionsState = {
          mode: "sync", deleteExtra: false, maxDelete: "", compare: d("compare", "size-etag"), filters: "",
          transfers: d("transfers", "256"), maxAttempts: d("max_attempts", "5"),
          multipartThreshold: d("multipart_threshold", "200M"), partSize: "", memory: d("memory", "256M"),
          bwlimit: "", storageClass: "", sse: "", dryRun: false, webhook: "",
        };
        if (id) {
          const t = await api<Task>("GET", `/tasks/${id}`);
          setLoaded(t);
          setName(t.name);
          setSchedule(scheduleFromText(t.schedule));
          if (t.kind === "images") {
            setKind("images");
            setImg(imageStateFromTask(t, isc));
            setOpts(o);
            return;
          }
          setSrc(sideFromTask(t.source, t.source_endpoint));
          setDst(sideFromTask(t.destination, t.destination_endpoint));
          const x = t.options;
          o = {
            mode: t.mode, deleteExtra: x.delete, maxDelete: x.max_delete, compare: x.compare,
            filters: x.filters.map((f) => ("include" in f ? "+ " + f.include : "- " + f.exclude)).join("\n"),
            transfers: String(x.transfers), maxAttempts: String(x.max_attempts),
            multipartThreshold: x.multipart_threshold, partSize: x.part_size, memory: x.memory,
            bwlimit: x.bwlimit, storageClass: x.storage_class, sse: x.sse, dryRun: x.dry_run,
            webhook: t.notify.webhook,
          };
        }
        setOpts(o);
      } catch (e) {
        setFormError(errorText(e));
      }
    })();
  }, [id]);

  const limits = useMemo(
    () => ({
      transfers: [schema.transfers?.minimum ?? 1, schema.transfers?.maximum ?? 1024],
      attempts: [schema.max_attempts?.minimum ?? 1, schema.max_attempts?.maximum ?? 100],
    }),
    [schema],
  );

  // Once a save was tried, each change checks the form again, so a message goes
  // as soon as its field is fixed (a server's message goes with any change).
  useEffect(() => {
    if (!submitted || !opts) return;
    const now = validate();
    setErrors(now);
    setFormError(Object.keys(now).length ? "Some fields need a look: see the messages beside them." : "");
  }, [name, src, dst, schedule, opts, kind, img]);

  if (!canOperate(session)) {
    return (
      <main id="main" className="page">
        <h1>{id ? "Edit task" : "New task"}</h1>
        <p className="error" role="alert">
          Your role ({session?.role}) may look at tasks but not create or change them. Ask an admin for the operator role.
        </p>
      </main>
    );
  }
  if (!opts) {
    return (
      <main id="main" className="page">
        <h1>{id ? "Edit task" : "New task"}</h1>
        {formError ? <p className="error" role="alert">{formError}</p> : <p aria-busy="true">Loading…</p>}
      </main>
    );
  }

  function validate(): Errors {
    const e: Errors = {};
    if (!opts) return e;
    if (kind === "images") return validateImages(img, imageLimits(imageSchema));
    for (const [which, s] of [["source", src], ["destination", dst]] as const) {
      if (s.kind === "s3") {
        if (!/^[a-z0-9][a-z0-9.\-_]{1,254}$/i.test(s.bucket.trim())) e[which] = "Enter the bucket name (letters, digits, '.', '-').";
        if (s.preset === "custom" && s.endpoint.trim() && !/^https?:\/\/[^\s/]+/.test(s.endpoint.trim()))
          e[which + "_endpoint.endpoint"] = "The endpoint is an http:// or https:// URL.";
      } else if (!s.folder.trim().startsWith("/")) {
        e[which] = "Enter an absolute folder path on the server (it starts with /).";
      }
    }
    const t = Number(opts.transfers);
    if (!Number.isInteger(t) || t < limits.transfers[0] || t > limits.transfers[1])
      e["options.transfers"] = `A whole number from ${limits.transfers[0]} to ${limits.transfers[1]}.`;
    const a = Number(opts.maxAttempts);
    if (!Number.isInteger(a) || a < limits.attempts[0] || a > limits.attempts[1])
      e["options.max_attempts"] = `A whole number from ${limits.attempts[0]} to ${limits.attempts[1]}.`;
    for (const line of opts.filters.split("\n").map((l) => l.trim()).filter(Boolean)) {
      if (!/^[+-]\s*\S/.test(line)) {
        e["options.filters"] = `Each line is "+ GLOB" (include) or "- GLOB" (exclude): "${line}" is neither.`;
        break;
      }
    }
    if (opts.webhook.trim() && !/^https?:\/\//.test(opts.webhook.trim())) e["notify.webhook"] = "An http:// or https:// URL.";
    return e;
  }

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    if (!opts) return;
    setFormError("");
    setSubmitted(true);
    const local = validate();
    setErrors(local);
    if (Object.keys(local).length) {
      setFormError("Some fields need a look: see the messages beside them.");
      const first = document.querySelector<HTMLElement>("[aria-invalid=true]");
      first?.focus();
      return;
    }
    const filters = opts.filters
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => (l.startsWith("+") ? { include: l.slice(1).trim() } : { exclude: l.slice(1).trim() }));
    const spec: Partial<TaskSpec> & Record<string, unknown> = kind === "images" ? {
      name: name.trim(),
      schedule: scheduleText(schedule),
      ...imageSpecOf(img),
    } : {
      name: name.trim(),
      schedule: scheduleText(schedule),
      mode: opts.mode,
      source: locationOf(src),
      destination: locationOf(dst),
      source_endpoint: endpointOf(src) as Endpoint,
      destination_endpoint: endpointOf(dst) as Endpoint,
      options: {
        delete: opts.mode === "sync" && opts.deleteExtra,
        dry_run: opts.dryRun,
        max_delete: opts.maxDelete.trim(),
        compare: opts.compare,
        filters,
        transfers: Number(opts.transfers),
        max_attempts: Number(opts.maxAttempts),
        multipart_threshold: opts.multipartThreshold.trim(),
        part_size: opts.partSize.trim(),
        memory: opts.memory.trim(),
        bwlimit: opts.bwlimit.trim(),
        storage_class: opts.storageClass.trim(),
        sse: opts.sse,
      } as TaskSpec["options"],
      notify: { webhook: opts.webhook.trim() } as TaskSpec["notify"],
    };
    setBusy(true);
    try {
      const t = id
        ? await api<Task>("PATCH", `/tasks/${id}`, spec) // a merge: what the form has no field for stays
        : await api<Task>("POST", "/tasks", spec);
      navigate(`/tasks/${t.id}`);
    } catch (e) {
      const msg = errorText(e);
      const field = !(e instanceof ApiError) ? "" : kind === "images" ? imageFieldOfError(e.message)
        : fieldOfError(e.message, { source: spec.source as string, destination: spec.destination as string });
      if (field) {
        setErrors({ [field]: msg });
        setFormError("The server refused the task: see the message beside the field.");
      } else {
        setFormError(msg);
      }
    } finally {
      setBusy(false);
    }
  };

  const o = (patch: Partial<OptionsState>) => setOpts({ ...opts, ...patch });
  return (
    <main id="main" className="page">
      <h1>{id ? `Edit ${loaded?.name ?? "task"}` : "New task"}</h1>
      <form onSubmit={submit} noValidate className="task-form">
        {formError && (
          <p className="error" role="alert">
            {formError}
          </p>
        )}
        <fieldset className="task-kind">
          <legend>What the task moves</legend>
          {id ? (
            <p className="kind-fixed">
              <strong>{KINDS[kind]}</strong> <span className="muted small">(fixed once a task is created)</span>
            </p>
          ) : (
            <div className="radios">
              {(["s3", "images"] as const).map((k) => (
                <label className="radio" key={k}>
                  <input type="radio" name="task-kind" checked={kind === k} onChange={() => setKind(k)} /> {KINDS[k]}
                </label>
              ))}
            </div>
          )}
        </fieldset>
        <Field label="Name" error={errors.name} help="Optional: 'SOURCE -> DESTINATION' when empty">
          {(p) => <input {...p} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />}
        </Field>
        {kind === "images" ? (
          <ImageSides value={img} onChange={setImg} credentials={credentials} errors={errors} />
        ) : (
          <div className="sides">
            <SideEditor which="source" side={src} onChange={setSrc} credentials={credentials} errors={errors} />
            <SideEditor which="destination" side={dst} onChange={setDst} credentials={credentials} errors={errors} />
          </div>
        )}
        <Schedule value={schedule} onChange={setSchedule} error={errors.schedule} />
        {kind === "images" ? (
          <ImageOptions value={img} onChange={setImg} errors={errors} limits={imageLimits(imageSchema)} />
        ) : (
          <>
            <fieldset>
              <legend>What a run does</legend>
              <div className="radios">
                {(
                  [
                    ["sync", "Sync: copy what is new or changed"],
                    ["copy", "Copy: add and update, never delete"],
                    ["check", "Check only: report differences"],
                  ] as const
                ).map(([m, label]) => (
                  <label className="radio" key={m}>
                    <input type="radio" name="mode" checked={opts.mode === m} onChange={() => o({ mode: m })} /> {label}
                  </label>
                ))}
              </div>
              {opts.mode === "sync" && (
                <div className="row">
                  <label className="check">
                    <input type="checkbox" checked={opts.deleteExtra} onChange={(e) => o({ deleteExtra: e.target.checked })} /> Also delete what only the
                    destination has
                  </label>
                  {opts.deleteExtra && (
                    <Field label="At most (N or P%)" error={errors["options.max_delete"]}>
                      {(p) => <input {...p} value={opts.maxDelete} onChange={(e) => o({ maxDelete: e.target.value })} placeholder="10%" />}
                    </Field>
                  )}
                </div>
              )}
              <Field label="Filters" error={errors["options.filters"]} help='One rule a line, first match wins: "+ *.jpg" includes, "- tmp/**" excludes'>
                {(p) => <textarea {...p} className="mono" rows={3} value={opts.filters} onChange={(e) => o({ filters: e.target.value })} />}
              </Field>
            </fieldset>
            <details className="options">
              <summary>Options (defaults and limits from the server's schema)</summary>
              <div className="grid">
                <Field label="Compare by" error={errors["options.compare"]}>
                  {(p) => (
                    <select {...p} value={opts.compare} onChange={(e) => o({ compare: e.target.value })}>
                      {(schema.compare?.enum ?? ["size-etag", "size-mtime", "size", "checksum"]).map((c) => (
                        <option key={c}>{c}</option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label={`Transfers at once (${limits.transfers[0]}–${limits.transfers[1]})`} error={errors["options.transfers"]}>
                  {(p) => <input {...p} type="number" min={limits.transfers[0]} max={limits.transfers[1]} value={opts.transfers} onChange={(e) => o({ transfers: e.target.value })} />}
                </Field>
                <Field label={`Attempts per object (${limits.attempts[0]}–${limits.attempts[1]})`} error={errors["options.max_attempts"]}>
                  {(p) => <input {...p} type="number" min={limits.attempts[0]} max={limits.attempts[1]} value={opts.maxAttempts} onChange={(e) => o({ maxAttempts: e.target.value })} />}
                </Field>
                <Field label="Multipart above" error={errors["options.multipart_threshold"]}>
                  {(p) => <input {...p} value={opts.multipartThreshold} onChange={(e) => o({ multipartThreshold: e.target.value })} />}
                </Field>
                <Field label="Part size (empty: automatic)" error={errors["options.part_size"]}>
                  {(p) => <input {...p} value={opts.partSize} onChange={(e) => o({ partSize: e.target.value })} placeholder="64M" />}
                </Field>
                <Field label="Memory for transfer buffers" error={errors["options.memory"]}>
                  {(p) => <input {...p} value={opts.memory} onChange={(e) => o({ memory: e.target.value })} />}
                </Field>
                <Field label="Bandwidth limit (bytes/s, empty: none)" error={errors["options.bwlimit"]}>
                  {(p) => <input {...p} value={opts.bwlimit} onChange={(e) => o({ bwlimit: e.target.value })} placeholder="50M" />}
                </Field>
                <Field label="Storage class" error={errors["options.storage_class"]}>
                  {(p) => <input {...p} value={opts.storageClass} onChange={(e) => o({ storageClass: e.target.value })} placeholder="STANDARD_IA" />}
                </Field>
                <Field label="Server-side encryption" error={errors["options.sse"]}>
                  {(p) => (
                    <select {...p} value={opts.sse} onChange={(e) => o({ sse: e.target.value })}>
                      <option value="">none</option>
                      <option value="AES256">AES256</option>
                      <option value="aws:kms">aws:kms</option>
                    </select>
                  )}
                </Field>
                <Field label="Webhook told of failed objects" error={errors["notify.webhook"]}>
                  {(p) => <input {...p} className="mono" value={opts.webhook} onChange={(e) => o({ webhook: e.target.value })} placeholder="https://hooks.example.com/ferry" />}
                </Field>
              </div>
              <label className="check">
                <input type="checkbox" checked={opts.dryRun} onChange={(e) => o({ dryRun: e.target.checked })} /> Dry run: decide, copy nothing
              </label>
            </details>
          </>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Saving…" : id ? "Save changes" : "Create task"}
          </button>
          <Link className="button" href={id ? `/tasks/${id}` : "/"}>
            Cancel
          </Link>
        </div>
      </form>
    </main>
  );
}
