import { useEffect, useRef, useState } from "react";
import { api, canOperate, errorText, type Task } from "../api";
import { count, duration, Time } from "../format";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";
import { StateBadge } from "../components/StateBadge";

const PAGE = 50;
const STATES = ["Created", "Running", "Waiting", "Completed", "Stopped", "Failed"];

function LastRun({ task }: { task: Task }) {
  const r = task.last_run;
  if (!r) return <span className="muted">never run</span>;
  const p = r.progress;
  const seconds = r.ended_at ? r.ended_at - r.started_at : p.seconds;
  return (
    <span>
      <StateBadge state={r.state} small /> {count(p.objects_done)} copied
      {p.failed > 0 && <strong className="bad"> · {count(p.failed)} failed</strong>} ·{" "}
      {duration(seconds)}
    </span>
  );
}

export function TasksPage() {
  const { session } = useSession();
  const { query } = useLocation();
  const state = query.get("state") ?? "";
  const text = query.get("q") ?? "";
  const offset = Math.max(0, Number(query.get("offset") ?? 0) || 0);
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState("");
  const [search, setSearch] = useState(text);
  const timer = useRef<number>(0);

  const go = (next: { state?: string; q?: string; offset?: number }) => {
    const p = new URLSearchParams();
    const s = next.state ?? state;
    const q = next.q ?? text;
    const o = next.offset ?? 0;
    if (s) p.set("state", s);
    if (q) p.set("q", q);
    if (o) p.set("offset", String(o));
    navigate("/" + (p.toString() ? "?" + p.toString() : ""));
  };

  useEffect(() => {
    let alive = true;
    const load = async () => {
      const p = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
      if (state) p.set("state", state);
      if (text) p.set("q", text);
      try {
        const page = await api<{ tasks: Task[]; total: number }>("GET", "/tasks?" + p.toString());
        if (!alive) return;
        setTasks(page.tasks);
        setTotal(page.total);
        setError("");
      } catch (e) {
        if (alive) setError(errorText(e));
      }
      if (alive) timer.current = window.setTimeout(load, 5000);
    };
    load();
    return () => {
      alive = false;
      clearTimeout(timer.current);
    };
  }, [state, text, offset]);

  useEffect(() => setSearch(text), [text]);

  const last = Math.min(offset + PAGE, total);
  return (
    <main id="main" className="page">
      <div className="title-row">
        <h1>Tasks</h1>
        {canOperate(session) && (
          <Link className="button primary" href="/tasks/new">
            New task
          </Link>
        )}
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: search.trim() });
        }}
      >
        <div className="field">
          <label htmlFor="filter-state">State</label>
          <select id="filter-state" value={state} onChange={(e) => go({ state: e.target.value })}>
            <option value="">Any state</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="filter-q">Name, source or destination</label>
          <input
            id="filter-q"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="e.g. nightly or s3://photos"
          />
        </div>
        <button type="submit">Filter</button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {tasks === null ? (
        <p aria-busy="true">Loading…</p>
      ) : tasks.length === 0 ? (
        <div className="empty">
          <p>{state || text ? "No task matches these filters." : "There are no tasks yet."}</p>
          {!state && !text && canOperate(session) && (
            <Link className="button primary" href="/tasks/new">
              Create the first task
            </Link>
          )}
        </div>
      ) : (
        <>
          <table className="tasks responsive">
            <caption className="sr-only">
              Tasks {offset + 1} to {last} of {total}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
                <th scope="col">Schedule</th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => (
                <tr key={t.id}>
                  <td data-label="Name">
                    <Link href={`/tasks/${t.id}`} className="task-name">
                      {t.name}
                    </Link>
                    <div className="muted small route">
                      {t.source} → {t.destination}
                    </div>
                  </td>
                  <td data-label="State">
                    <StateBadge state={t.state} />
                  </td>
                  <td data-label="Last run">
                    <LastRun task={t} />
                  </td>
                  <td data-label="Next run">
                    <Time at={t.next_run_at} />
                  </td>
                  <td data-label="Schedule">
                    <code>{t.schedule}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages of tasks">
            <button disabled={offset === 0} onClick={() => go({ offset: Math.max(0, offset - PAGE) })}>
              ← Previous
            </button>
            <span aria-live="polite">
              {count(offset + 1)}–{count(last)} of {count(total)}
            </span>
            <button disabled={last >= total} onClick={() => go({ offset: offset + PAGE })}>
              Next →
            </button>
          </nav>
        </>
      )}
    </main>
  );
}
