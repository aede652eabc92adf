import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { api, onSessionEnded, setCsrfToken, type Session } from "./api";
import { Link, navigate, useLocation } from "./router";
import { SessionContext } from "./session";
import { LoginPage } from "./pages/Login";
import { TasksPage } from "./pages/Tasks";
import { TaskFormPage } from "./pages/TaskForm";
import { TaskPage } from "./pages/TaskPage";
import { AdminPage } from "./pages/Admin";
import "./styles.css";

function NotFound() {
  return (
    <main id="main" className="page">
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link href="/">Back to the tasks</Link>
      </p>
    </main>
  );
}

function Page({ path }: { path: string }) {
  let m: RegExpMatchArray | null;
  if (path === "/" || path === "/tasks") return <TasksPage />;
  if (path === "/tasks/new") return <TaskFormPage />;
  if ((m = path.match(/^\/tasks\/([^/]+)\/edit$/))) return <TaskFormPage id={m[1]} />;
  if ((m = path.match(/^\/tasks\/([^/]+)$/))) return <TaskPage id={m[1]} />;
  if ((m = path.match(/^\/admin(?:\/(credentials|users|tokens|server))?$/)))
    return <AdminPage tab={(m[1] as "credentials" | "users" | "tokens" | "server") ?? "credentials"} />;
  return <NotFound />;
}

function Shell({ session, signOut, path }: { session: Session; signOut: () => void; path: string }) {
  const [open, setOpen] = useState(false);
  const here = (p: string) => (path === p || (p !== "/" && path.startsWith(p)) ? "page" : undefined);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand" aria-label="ferry console, tasks">
          <img src="/favicon.svg" alt="" width="24" height="24" /> ferry
        </Link>
        <button
          className="menu-toggle"
          aria-expanded={open}
          aria-controls="nav"
          onClick={() => setOpen(!open)}
        >
          Menu
        </button>
        <nav id="nav" className={open ? "open" : ""} aria-label="Main" onClick={() => setOpen(false)}>
          <Link href="/" aria-current={path === "/" || (path.startsWith("/tasks") && path !== "/tasks/new") ? "page" : undefined}>
            Tasks
          </Link>
          {session.role !== "viewer" && (
            <Link href="/tasks/new" aria-current={here("/tasks/new")}>
              New task
            </Link>
          )}
          <Link href="/admin" aria-current={here("/admin")}>
            Administration
          </Link>
          <span className="who" title={`signed in as ${session.username}`}>
            {session.username} · {session.role}
          </span>
          <button className="link" onClick={signOut}>
            Sign out
          </button>
        </nav>
      </header>
      <Page path={path} />
    </>
  );
}

function App() {
  const [session, setSessionState] = useState<Session | null>(null);
  const [checked, setChecked] = useState(false);
  const { path } = useLocation();

  const setSession = (s: Session | null) => {
    setCsrfToken(s?.csrf_token ?? null);
    setSessionState(s);
  };

  useEffect(() => {
    onSessionEnded(() => setSession(null));
    api<Session>("GET", "/auth/session")
      .then(setSession)
      .catch(() => setSession(null))
      .finally(() => setChecked(true));
  }, []);

  useEffect(() => {
    if (!checked) return;
    if (!session && path !== "/login") {
      navigate("/login" + (path !== "/" ? "?next=" + encodeURIComponent(path) : ""), true);
    } else if (session && path === "/login") {
      navigate("/", true);
    }
  }, [checked, session, path]);

  const signOut = async () => {
    try {
      await api("DELETE", "/auth/session");
    } finally {
      setSession(null);
      navigate("/login");
    }
  };

  if (!checked) {
    return (
      <main id="main" className="page" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  return (
    <SessionContext.Provider value={{ session, setSession }}>
      {session ? <Shell session={session} signOut={signOut} path={path} /> : <LoginPage />}
    </SessionContext.Provider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
