import { useCallback, useEffect, useRef, useState } from "react";
import {
  api,
  canOperate,
  errorText,
  type LogEntry,
  type Run,
  type SeriesPoint,
  type Task,
} from "../api";
import { LineChart } from "../components/Chart";
import { StateBadge } from "../components/StateBadge";
import { bytes, count, duration, percent, rate, Time } from "../format";
import { Link, navigate } from "../router";
import { useSession } from "../session";

function Bar({ label, done, total, text }: { label: string; done: number; total: number; text: string }) {
  const pct = percent(done, total);
  return (
    <div className="bar-row">
      <div className="bar-label">
        <span>{label}</span>
        <span>{text}</span>
      </div>
      <div
        className="bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct}% (${text})`}
      >
        <div style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

// An images run counts images as objects and blob bytes uploaded as bytes, and
// deletes nothing: its summary says so.
function RunSummary({ run, images }: { run: Run; images: boolean }) {
  const p = run.progress;
  const running = run.state === "Running";
  const seconds = run.ended_at ? run.ended_at - run.started_at : p.seconds;
  const objPct = percent(p.objects_done, p.objects_total);
  return (
    <section className="card" aria-labelledby="run-title">
      <h2 id="run-title">
        Run {run.number} <StateBadge state={run.state} />{" "}
        {running && (
          <span className="big-percent" data-testid="run-percent">
            {objPct}%{!p.listing_done && <span className="small muted"> of what is listed so far</span>}
          </span>
        )}
      </h2>
      <p className="muted small">
        Started <Time at={run.started_at} /> by {run.trigger}
        {run.ended_at && (
          <>
            , ended <Time at={run.ended_at} />
          </>
        )}
        {run.resumes > 0 && <> · resumed {run.resumes}× after restarts</>}
      </p>
      {!p.listing_done && running && (
        <p className="small">
          Listing… {count(p.listed)} {images ? "images" : "objects"} found so far: {count(p.matched)} unchanged,{" "}
          {count(p.objects_total)} to copy.
        </p>
      )}
      <Bar label={images ? "Images to copy" : "Objects to copy"} done={p.objects_done} total={p.objects_total} text={`${count(p.objects_done)} of ${count(p.objects_total)}`} />
      <Bar label={images ? "Blob bytes uploaded" : "Bytes"} done={p.bytes_done} total={p.bytes_total} text={`${bytes(p.bytes_done)} of ${bytes(p.bytes_total)}`} />
      <dl className="stats">
        <div>
          <dt>Speed</dt>
          <dd>{rate(p.throughput_bytes_per_second)}</dd>
        </div>
        <div>
          <dt>{running ? "Time left" : "Took"}</dt>
          <dd>{running ? (p.eta_seconds === null ? "–" : duration(p.eta_seconds)) : duration(seconds)}</dd>
        </div>
        <div>
          <dt>Listed</dt>
          <dd>{count(p.listed)}</dd>
        </div>
        <div>
          <dt>Unchanged</dt>
          <dd>{count(p.matched)}</dd>
        </div>
        {!images && (
          <div>
            <dt>Deleted</dt>
            <dd>{count(p.deleted)}</dd>
          </div>
        )}
        <div>
          <dt>Failed</dt>
          <dd className={p.failed > 0 ? "bad" : ""} data-testid="run-failed">
            {count(p.failed)}
          </dd>
        </div>
      </dl>
      {run.error && (
        <p className="error" role="alert">
          {run.error}
        </p>
      )}
    </section>
  );
}

function Charts({ run, images }: { run: Run; images: boolean }) {
  const [points, setPoints] = useState<SeriesPoint[]>([]);
  const [error, setError] = useState("");
  useEffect(() => {
    let alive = true;
    let timer = 0;
    const load = async () => {
      try {
        const s = await api<{ points: SeriesPoint[] }>("GET", `/runs/${run.id}/series`);
        if (alive) {
          setPoints(s.points);
          setError("");
        }
      } catch (e) {
        if (alive) setError(errorText(e));
      }
      if (alive && run.state === "Running") timer = window.setTimeout(load, 3000);
    };
    load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [run.id, run.state]);
  const rates = points.slice(1);
  return (
    <section className="card" aria-labelledby="charts-title">
      <h2 id="charts-title">Run {run.number} over time</h2>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="charts">
        <LineChart title="Throughput" points={[{ t: points[0]?.time_ms ?? 0, v: 0 }, ...rates.map((p) => ({ t: p.time_ms, v: p.bytes_per_second }))].filter((p) => p.t)} format={rate} ended={run.state !== "Running"} />
        <LineChart
          title={images ? "Images per second" : "Objects per second"}
          color="#207a3c"
          points={[{ t: points[0]?.time_ms ?? 0, v: 0 }, ...rates.map((p) => ({ t: p.time_ms, v: p.objects_per_second }))].filter((p) => p.t)}
          format={(v) => `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString()}/s`}
          ended={run.state !== "Running"}
        />
      </div>
    </section>
  );
}

function Failures({ run, mayRetry, onRetried }: { run: Run; mayRetry: boolean; onRetried: () => void }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const failures = run.progress.failures ?? [];
  if (run.progress.failed === 0 && failures.length === 0) return null;
  const retry = async () => {
    setBusy(true);
    setError("");
    try {
      await api("POST", `/runs/${run.id}/retry`);
      setMessage(`Retrying ${failures.length} object(s) in a new run.`);
      onRetried();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="failures-title">
      <div className="title-row">
        <h2 id="failures-title">
          Failed objects of run {run.number} ({count(run.progress.failed)})
        </h2>
        {mayRetry && run.state !== "Running" && failures.length > 0 && (
          <button className="primary" onClick={retry} disabled={busy}>
            {busy ? "Starting…" : "Retry failed objects"}
          </button>
        )}
      </div>
      {message && <p className="ok" role="status">{message}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {failures.length < run.progress.failed && (
        <p className="muted small">The first {count(failures.length)} are kept with their errors.</p>
      )}
      <table className="responsive failures">
        <thead>
          <tr>
            <th scope="col" className="key-col">Key</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {failures.slice(0, 200).map((f) => (
            <tr key={f.key}>
              <td data-label="Key" className="mono wrap">{f.key}</td>
              <td data-label="Attempts">{f.attempts}</td>
              <td data-label="Last error" className="wrap">{f.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Logs({ taskId, running }: { taskId: string; running: boolean }) {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [follow, setFollow] = useState(true);
  const [level, setLevel] = useState("");
  const [error, setError] = useState("");
  const after = useRef(0);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    after.current = 0;
    setEntries([]);
  }, [level, taskId]);

  useEffect(() => {
    let alive = true;
    let timer = 0;
    const load = async () => {
      try {
        for (;;) {
          const p = new URLSearchParams({ after: String(after.current), limit: "500" });
          if (level) p.set("level", level);
          const page = await api<{ logs: LogEntry[]; next_after: number | null }>("GET", `/tasks/${taskId}/logs?${p}`);
          if (!alive) return;
          if (page.logs.length) {
            after.current = page.logs[page.logs.length - 1].id;
            setEntries((old) => [...old, ...page.logs].slice(-2000));
          }
          if (page.next_after === null) break;
        }
        setError("");
      } catch (e) {
        if (alive) setError(errorText(e));
      }
      if (alive && follow) timer = window.setTimeout(load, running ? 1500 : 5000);
    };
    load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [taskId, follow, level, running]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [entries, follow]);

  return (
    <section className="card" aria-labelledby="log-title">
      <div className="title-row">
        <h2 id="log-title">Log</h2>
        <div className="row tight">
          <label className="check">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
          </label>
          <label htmlFor="log-level" className="sr-only">
            Level
          </label>
          <select id="log-level" value={level} onChange={(e) => setLevel(e.target.value)}>
            <option value="">All levels</option>
            <option value="warning">Warnings and errors</option>
            <option value="error">Errors</option>
          </select>
        </div>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="log" ref={box} tabIndex={0} role="log" aria-label="Task log" aria-live="off">
        {entries.length === 0 ? (
          <p className="muted">No log lines yet.</p>
        ) : (
          entries.map((e) => (
            <div key={e.id} className={`log-line lvl-${e.level}`}>
              <Time at={e.time_ms} ms /> <span className="lvl">{e.level}</span> <span className="msg">{e.message}</span>
            </div>
          ))
        )}
      </div>
    </section>
  );
}

export function TaskPage({ id }: { id: string }) {
  const { session } = useSession();
  const [task, setTask] = useState<Task | null>(null);
  const [runs, setRuns] = useState<Run[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  useEffect(() => {
    if (!notice) return;
    const t = window.setTimeout(() => setNotice(""), 8000);
    return () => clearTimeout(t);
  }, [notice]);
  const [busy, setBusy] = useState("");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let alive = true;
    let timer = 0;
    const load = async () => {
      try {
        const [t, r] = await Promise.all([
          api<Task>("GET", `/tasks/${id}`),
          api<{ runs: Run[] }>("GET", `/tasks/${id}/runs?limit=50`),
        ]);
        if (!alive) return;
        setTask(t);
        setRuns(r.runs);
        setError("");
        const active = t.state === "Running" || r.runs.some((x) => x.state === "Running");
        timer = window.setTimeout(load, active ? 1000 : 5000);
      } catch (e) {
        if (!alive) return;
        setError(errorText(e));
        timer = window.setTimeout(load, 5000);
      }
    };
    load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [id, tick]);

  const act = async (verb: "start" | "stop") => {
    setBusy(verb);
    setNotice("");
    setError("");
    try {
      const t = await api<Task>("POST", `/tasks/${id}/${verb}`);
      setTask(t);
      setSelected(null);
      setNotice(verb === "start" ? "Started." : "Stopped: multipart uploads are checkpointed and resume on the next start.");
      refresh();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy("");
    }
  };

  const remove = async () => {
    setBusy("delete");
    try {
      await api("DELETE", `/tasks/${id}`);
      navigate("/");
    } catch (e) {
      setError(errorText(e));
      setBusy("");
      setConfirmDelete(false);
    }
  };

  if (!task) {
    return (
      <main id="main" className="page">
        <p>
          <Link href="/">← Tasks</Link>
        </p>
        {error ? <p className="error" role="alert">{error}</p> : <p aria-busy="true">Loading…</p>}
      </main>
    );
  }
  const operate = canOperate(session);
  const active = task.state === "Running" || task.state === "Waiting";
  const run = runs.find((r) => r.id === selected) ?? runs[0];
  return (
    <main id="main" className="page">
      <p>
        <Link href="/">← Tasks</Link>
      </p>
      <div className="title-row">
        <h1>
          {task.name} <StateBadge state={task.state} />
        </h1>
        {operate && (
          <div className="row tight actions">
            <button className="primary" onClick={() => act("start")} disabled={!!busy || task.state === "Running"}>
              {busy === "start" ? "Starting…" : "Start"}
            </button>
            <button onClick={() => act("stop")} disabled={!!busy || !active}>
              {busy === "stop" ? "Stopping…" : "Stop"}
            </button>
            <Link
              className={"button" + (active ? " disabled" : "")}
              href={`/tasks/${id}/edit`}
              aria-disabled={active}
              title={active ? "Stop the task to change it" : undefined}
              onClick={(e) => active && e.preventDefault()}
            >
              Edit
            </Link>
            <button className="danger" onClick={() => setConfirmDelete(true)} disabled={!!busy}>
              Delete
            </button>
          </div>
        )}
      </div>
      {confirmDelete && (
        <div className="confirm" role="alertdialog" aria-labelledby="confirm-text">
          <p id="confirm-text">
            Delete <strong>{task.name}</strong>, its runs and its logs? Unfinished multipart uploads are aborted.
          </p>
          <button className="danger" onClick={remove} autoFocus>
            {busy === "delete" ? "Deleting…" : "Delete the task"}
          </button>
          <button onClick={() => setConfirmDelete(false)}>Keep it</button>
        </div>
      )}
      {notice && <p className="ok" role="status">{notice}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {task.last_error && <p className="error">Last error: {task.last_error}</p>}
      <dl className="facts">
        <div>
          <dt>Source</dt>
          <dd className="mono wrap">
            {task.source}
            {task.source_endpoint?.endpoint && <span className="muted"> at {task.source_endpoint.endpoint}</span>}
            {task.source_endpoint?.credential && <span className="muted"> with {task.source_endpoint.credential}</span>}
            {task.images?.src_credential && <span className="muted"> with {task.images.src_credential}</span>}
          </dd>
        </div>
        <div>
          <dt>Destination</dt>
          <dd className="mono wrap">
            {task.destination}
            {task.destination_endpoint?.endpoint && <span className="muted"> at {task.destination_endpoint.endpoint}</span>}
            {task.destination_endpoint?.credential && <span className="muted"> with {task.destination_endpoint.credential}</span>}
            {task.images?.dst_credential && <span className="muted"> with {task.images.dst_credential}</span>}
          </dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>
            {task.kind === "images" ? "images" : task.mode}
            {task.images && task.images.tags.length > 0 && ` (tags ${task.images.tags.join(", ")})`}
            {task.options?.delete && " with deletes"}
            {task.options?.dry_run && " (dry run)"}
          </dd>
        </div>
        <div>
          <dt>Schedule</dt>
          <dd>
            <code>{task.schedule}</code>
          </dd>
        </div>
        <div>
          <dt>Next run</dt>
          <dd>
            <Time at={task.next_run_at} />
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <Time at={task.created_at} /> by {task.created_by}
          </dd>
        </div>
      </dl>
      {run ? (
        <>
          <RunSummary run={run} images={task.kind === "images"} />
          <Charts run={run} images={task.kind === "images"} />
          <Failures run={run} mayRetry={operate} onRetried={() => { setSelected(null); refresh(); }} />
        </>
      ) : (
        <p className="card muted">This task has not run yet.{operate && " Start it to run it now."}</p>
      )}
      {runs.length > 0 && (
        <section className="card" aria-labelledby="history-title">
          <h2 id="history-title">Run history</h2>
          <table className="responsive runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Result</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Copied</th>
                <th scope="col">Failed</th>
                <th scope="col">Trigger</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} className={r.id === run?.id ? "selected" : ""}>
                  <td data-label="Run">
                    <button className="link" onClick={() => setSelected(r.id)} aria-pressed={r.id === run?.id}>
                      Run {r.number}
                    </button>
                  </td>
                  <td data-label="Result">
                    <StateBadge state={r.state} small />
                  </td>
                  <td data-label="Started">
                    <Time at={r.started_at} />
                  </td>
                  <td data-label="Duration">{duration(r.ended_at ? r.ended_at - r.started_at : r.progress.seconds)}</td>
                  <td data-label="Copied">
                    {count(r.progress.objects_done)} ({bytes(r.progress.bytes_done)})
                  </td>
                  <td data-label="Failed" className={r.progress.failed ? "bad" : ""}>
                    {count(r.progress.failed)}
                  </td>
                  <td data-label="Trigger">{r.trigger}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <Logs taskId={id} running={task.state === "Running"} />
    </main>
  );
}
