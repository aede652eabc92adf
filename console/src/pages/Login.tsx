import { useEffect, useState, type FormEvent } from "react";
import { api, errorText, type Session } from "../api";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";

interface Providers {
  local: boolean;
  oidc: { issuer: string; login_url: string } | null;
}

export function LoginPage() {
  const { setSession } = useSession();
  const { query } = useLocation();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(query.get("error") ?? "");
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<Providers | null>(null);

  useEffect(() => {
    api<Providers>("GET", "/auth/providers")
      .then(setProviders)
      .catch(() => setProviders({ local: true, oidc: null }));
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username || !password) {
      setError("Enter your user name and password.");
      return;
    }
    setBusy(true);
    setError("");
    try {
      const s = await api<Session>("POST", "/auth/session", { username, password });
      setSession(s);
      const next = query.get("next");
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="login">
      <div className="login-card">
        <h1>
          <img src="/favicon.svg" alt="" width="32" height="32" /> ferry console
        </h1>
        <p className="muted">Sign in to create, watch and fix replication tasks.</p>
        {error && (
          <p className="error" role="alert" id="login-error">
            {error}
          </p>
        )}
        <form onSubmit={submit} noValidate aria-describedby={error ? "login-error" : undefined}>
          <label htmlFor="username">User name</label>
          <input
            id="username"
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoFocus
          />
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
        {providers?.oidc && (
          <>
            <p className="or">or</p>
            <a className="button" href={providers.oidc.login_url}>
              Sign in with your organisation (OpenID Connect)
            </a>
            <p className="muted small">Provider: {providers.oidc.issuer}</p>
          </>
        )}
      </div>
    </main>
  );
}
