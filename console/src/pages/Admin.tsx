import { useEffect, useState, type FormEvent } from "react";
import { api, canOperate, errorText, isAdmin, type Credential, type Role, type Token, type User } from "../api";
import { Field } from "../components/Field";
import { Time } from "../format";
import { Link } from "../router";
import { useSession } from "../session";

type Tab = "credentials" | "users" | "tokens" | "server";

function useList<T>(path: string | null, key: string) {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState("");
  const load = async () => {
    if (!path) return;
    try {
      const r = await api<Record<string, T[]>>("GET", path);
      setItems(r[key]);
      setError("");
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, [path]);
  return { items, error, load };
}

function Status({ ok, error }: { ok: string; error: string }) {
  return (
    <>
      {ok && <p className="ok" role="status">{ok}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </>
  );
}

function CredentialForm({
  rotate,
  initialEndpoints,
  onDone,
  onCancel,
}: {
  rotate?: string;
  initialEndpoints?: string[];
  onDone: (msg: string) => void;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(rotate ?? "");
  const [keyId, setKeyId] = useState("");
  const [secret, setSecret] = useState("");
  const [session, setSession] = useState("");
  const [endpoints, setEndpoints] = useState((initialEndpoints ?? []).join("\n"));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const err: Record<string, string> = {};
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) err.name = "1 to 64 letters, digits, '.', '_' or '-'.";
    if (!keyId.trim()) err.key = "Enter the access key id.";
    if (!secret) err.secret = "Enter the secret access key.";
    const eps = endpoints.split("\n").map((s) => s.trim()).filter(Boolean);
    if (eps.length === 0) err.endpoints = "Name at least one endpoint URL these keys are for.";
    else if (eps.some((u) => !/^https?:\/\/[^\s/]+/.test(u))) err.endpoints = "Each line is an http:// or https:// URL.";
    setErrors(err);
    if (Object.keys(err).length) return;
    const body: Record<string, unknown> = { name, access_key_id: keyId.trim(), secret_access_key: secret };
    if (session.trim()) body.session_token = session.trim();
    body.endpoints = eps;
    setBusy(true);
    setError("");
    try {
      if (rotate) await api("PUT", `/credentials/${encodeURIComponent(rotate)}`, body);
      else await api("POST", "/credentials", body);
      setKeyId("");
      setSecret("");
      setSession("");
      if (!rotate) setName("");
      onDone(rotate ? `New keys stored for '${name}'.` : `Credential '${name}' stored.`);
    } catch (e) {
      const msg = errorText(e);
      if (/name|exists/i.test(msg)) setErrors({ name: msg });
      else if (/access_key_id/.test(msg)) setErrors({ key: msg });
      else if (/secret/.test(msg)) setErrors({ secret: msg });
      else if (/endpoint/.test(msg)) setErrors({ endpoints: msg });
      else setError(msg);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="card inline-form" aria-label={rotate ? `Rotate ${rotate}` : "Store a credential"}>
      <h3>{rotate ? `Rotate '${rotate}'` : "Store a credential"}</h3>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="grid">
        {!rotate && (
          <Field label="Name" error={errors.name} help="Tasks name it; the keys never leave the server">
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
        )}
        <Field label="Access key id" error={errors.key}>
          {(p) => <input {...p} className="mono" value={keyId} onChange={(e) => setKeyId(e.target.value)} autoComplete="off" />}
        </Field>
        <Field label="Secret access key" error={errors.secret} help="Write-only: never shown again">
          {(p) => <input {...p} type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="new-password" />}
        </Field>
        <Field label="Session token (optional)">
          {(p) => <input {...p} type="password" value={session} onChange={(e) => setSession(e.target.value)} autoComplete="off" />}
        </Field>
        <Field label="Endpoints (one URL a line)" error={errors.endpoints} help="Tasks may use these keys only with these endpoints, e.g. https://s3.eu-west-1.amazonaws.com">
          {(p) => <textarea {...p} rows={2} className="mono" value={endpoints} onChange={(e) => setEndpoints(e.target.value)} />}
        </Field>
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Saving…" : rotate ? "Store the new keys" : "Store"}
        </button>
        {onCancel && <button type="button" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}

function Credentials() {
  const { session } = useSession();
  const { items, error, load } = useList<Credential>("/credentials", "credentials");
  const [ok, setOk] = useState("");
  const [err, setErr] = useState("");
  const [rotating, setRotating] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const operate = canOperate(session);
  const remove = async (name: string) => {
    setErr("");
    try {
      await api("DELETE", `/credentials/${encodeURIComponent(name)}`);
      setOk(`Credential '${name}' deleted.`);
      setDeleting(null);
      load();
    } catch (e) {
      setErr(errorText(e));
    }
  };
  return (
    <section aria-labelledby="cred-title">
      <h2 id="cred-title">Stored credentials</h2>
      <p className="muted">Access keys are sealed on the server. Tasks name them; nobody can read them back.</p>
      <Status ok={ok} error={error || err} />
      {items && items.length === 0 && <p>No credential is stored yet.</p>}
      {items && items.length > 0 && (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Owner</th>
              <th scope="col">Endpoints</th>
              <th scope="col">Stored</th>
              <th scope="col">Changed</th>
              {operate && <th scope="col"><span className="sr-only">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.name}>
                <td data-label="Name" className="mono">{c.name}</td>
                <td data-label="Owner">{c.owner ?? c.created_by ?? "–"}</td>
                <td data-label="Endpoints" className="mono wrap small">{c.endpoints?.length ? c.endpoints.join(", ") : "any"}</td>
                <td data-label="Stored"><Time at={c.created_at} /></td>
                <td data-label="Changed"><Time at={c.updated_at ?? c.created_at} /></td>
                {operate && (
                  <td data-label="Actions">
                    <div className="row tight">
                    <button onClick={() => setRotating(c.name)} aria-label={`Rotate ${c.name}`}>Rotate</button>
                    {deleting === c.name ? (
                      <>
                        <button className="danger" onClick={() => remove(c.name)} autoFocus>Confirm delete</button>
                        <button onClick={() => setDeleting(null)}>Keep</button>
                      </>
                    ) : (
                      <button className="danger" onClick={() => setDeleting(c.name)} aria-label={`Delete ${c.name}`}>Delete</button>
                    )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {operate && rotating && (
        <CredentialForm
          key={rotating}
          rotate={rotating}
          initialEndpoints={items?.find((c) => c.name === rotating)?.endpoints}
          onCancel={() => setRotating(null)}
          onDone={(m) => {
            setOk(m);
            setRotating(null);
            load();
          }}
        />
      )}
      {operate ? (
        <CredentialForm onDone={(m) => { setOk(m); load(); }} />
      ) : (
        <p className="muted">Your role ({session?.role}) may see the names; operators and admins store and change them.</p>
      )}
    </section>
  );
}

function Users() {
  const { session } = useSession();
  const admin = isAdmin(session);
  const { items, error, load } = useList<User>(admin ? "/users" : null, "users");
  const [ok, setOk] = useState("");
  const [err, setErr] = useState("");
  const [form, setForm] = useState({ username: "", password: "", role: "viewer" as Role });
  const [fieldErr, setFieldErr] = useState<Record<string, string>>({});
  const [reset, setReset] = useState<{ user: string; password: string } | null>(null);

  if (!admin) {
    return (
      <section aria-labelledby="users-title">
        <h2 id="users-title">Users and roles</h2>
        <p className="error" role="alert">
          Only admins manage users. You are signed in as {session?.username} ({session?.role}).
        </p>
        <OwnPassword />
      </section>
    );
  }
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(form.username)) fe.username = "1 to 64 letters, digits, '.', '_' or '-'.";
    if (form.password.length < 8) fe.password = "At least 8 characters.";
    setFieldErr(fe);
    if (Object.keys(fe).length) return;
    setErr("");
    try {
      await api("POST", "/users", form);
      setOk(`User '${form.username}' created as ${form.role}.`);
      setForm({ username: "", password: "", role: "viewer" });
      load();
    } catch (e) {
      const msg = errorText(e);
      if (/password/i.test(msg)) setFieldErr({ password: msg });
      else if (/user/i.test(msg)) setFieldErr({ username: msg });
      else setErr(msg);
    }
  };
  const change = async (username: string, body: Record<string, string>, done: string) => {
    setErr("");
    setOk("");
    try {
      await api("PUT", `/users/${encodeURIComponent(username)}`, body);
      setOk(done);
      load();
      return true;
    } catch (e) {
      setErr(errorText(e));
      return false;
    }
  };
  const remove = async (username: string) => {
    setErr("");
    try {
      await api("DELETE", `/users/${encodeURIComponent(username)}`);
      setOk(`User '${username}' deleted.`);
      load();
    } catch (e) {
      setErr(errorText(e));
    }
  };
  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users and roles</h2>
      <p className="muted">Viewers read; operators also create, change, start and stop tasks and store credentials; admins also manage users.</p>
      <Status ok={ok} error={error || err} />
      {items && (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((u) => (
              <tr key={u.username}>
                <td data-label="User" className="mono">{u.username}</td>
                <td data-label="Role">
                  <label className="sr-only" htmlFor={`role-${u.username}`}>Role of {u.username}</label>
                  <select id={`role-${u.username}`} value={u.role}
                    onChange={(e) => change(u.username, { role: e.target.value }, `'${u.username}' is now ${e.target.value}.`)}>
                    <option value="viewer">viewer</option>
                    <option value="operator">operator</option>
                    <option value="admin">admin</option>
                  </select>
                </td>
                <td data-label="Created"><Time at={u.created_at} /></td>
                <td data-label="Actions">
                  <div className="row tight">
                  {!u.username.startsWith("oidc:") && (
                    <button onClick={() => setReset({ user: u.username, password: "" })}>Set password</button>
                  )}
                  {u.username !== session?.username && (
                    <button className="danger" onClick={() => remove(u.username)} aria-label={`Delete ${u.username}`}>Delete</button>
                  )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {reset && (
        <form
          className="card inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await change(reset.user, { password: reset.password }, `Password of '${reset.user}' changed; their sessions ended.`)) setReset(null);
          }}
        >
          <h3>New password for {reset.user}</h3>
          <Field label="New password" help="At least 8 characters; ends the user's sign-in sessions">
            {(p) => <input {...p} type="password" autoComplete="new-password" value={reset.password} onChange={(e) => setReset({ ...reset, password: e.target.value })} />}
          </Field>
          <div className="actions">
            <button className="primary" type="submit">Set password</button>
            <button type="button" onClick={() => setReset(null)}>Cancel</button>
          </div>
        </form>
      )}
      <form onSubmit={create} noValidate className="card inline-form" aria-label="Add a user">
        <h3>Add a user</h3>
        <div className="grid">
          <Field label="User name" error={fieldErr.username}>
            {(p) => <input {...p} value={form.username} autoComplete="off" onChange={(e) => setForm({ ...form, username: e.target.value })} />}
          </Field>
          <Field label="Password" error={fieldErr.password} help="At least 8 characters">
            {(p) => <input {...p} type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />}
          </Field>
          <Field label="Role">
            {(p) => (
              <select {...p} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
                <option value="viewer">viewer</option>
                <option value="operator">operator</option>
                <option value="admin">admin</option>
              </select>
            )}
          </Field>
        </div>
        <div className="actions">
          <button type="submit" className="primary">Add user</button>
        </div>
      </form>
      <OwnPassword />
    </section>
  );
}

function OwnPassword() {
  const { session } = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [ok, setOk] = useState("");
  const [err, setErr] = useState<Record<string, string>>({});
  if (!session || session.username.startsWith("oidc:")) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setOk("");
    if (next.length < 8) {
      setErr({ next: "At least 8 characters." });
      return;
    }
    try {
      await api("PUT", `/users/${encodeURIComponent(session.username)}`, { password: next, current_password: current });
      setOk("Password changed. Your other sessions have ended; sign in again where you need to.");
      setErr({});
      setCurrent("");
      setNext("");
    } catch (e) {
      const msg = errorText(e);
      setErr(/current/i.test(msg) ? { current: msg } : { next: msg });
    }
  };
  return (
    <form onSubmit={submit} noValidate className="card inline-form" aria-label="Change your password">
      <h3>Your password</h3>
      {ok && <p className="ok" role="status">{ok}</p>}
      <div className="grid">
        <Field label="Current password" error={err.current}>
          {(p) => <input {...p} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />}
        </Field>
        <Field label="New password" error={err.next}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />}
        </Field>
      </div>
      <div className="actions">
        <button type="submit">Change password</button>
      </div>
    </form>
  );
}

function Tokens() {
  const { session } = useSession();
  const { items, error, load } = useList<Token>("/tokens", "tokens");
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [issued, setIssued] = useState<string | null>(null);
  const [ok, setOk] = useState("");
  const [err, setErr] = useState("");
  const [fieldErr, setFieldErr] = useState<Record<string, string>>({});
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (!name.trim()) fe.name = "Name the token after what uses it, e.g. ci-nightly.";
    if (days && !(Number.isInteger(Number(days)) && Number(days) >= 1)) fe.days = "A whole number of days, or empty for no expiry.";
    setFieldErr(fe);
    if (Object.keys(fe).length) return;
    setErr("");
    try {
      const body: Record<string, unknown> = { name: name.trim() };
      if (days) body.expires_in_days = Number(days);
      const t = await api<{ token: string }>("POST", "/tokens", body);
      setIssued(t.token);
      setName("");
      setOk("");
      load();
    } catch (e) {
      const msg = errorText(e);
      if (/expires/.test(msg)) setFieldErr({ days: msg });
      else if (/name/.test(msg)) setFieldErr({ name: msg });
      else setErr(msg);
    }
  };
  const revoke = async (t: Token) => {
    try {
      await api("DELETE", `/tokens/${t.id}`);
      setOk(`Token '${t.name}' revoked.`);
      load();
    } catch (e) {
      setErr(errorText(e));
    }
  };
  const apiTokens = (items ?? []).filter((t) => !t.kind || t.kind === "api");
  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">Your API tokens</h2>
      <p className="muted">For scripts and the <code>ferry</code> command: <code>FERRY_TOKEN=… ferry task list</code>.</p>
      <Status ok={ok} error={error || err} />
      {issued && (
        <div className="card issued" role="status">
          <p>Copy this token now: it is shown only once.</p>
          <code className="token" tabIndex={0}>{issued}</code>
          <button onClick={() => setIssued(null)}>I have copied it</button>
        </div>
      )}
      {apiTokens.length === 0 ? (
        <p>You have no API token.</p>
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {apiTokens.map((t) => (
              <tr key={t.id}>
                <td data-label="Name">{t.name}</td>
                <td data-label="Created"><Time at={t.created_at} /></td>
                <td data-label="Expires">{t.expires_at ? <Time at={t.expires_at} /> : "never"}</td>
                <td data-label="Actions">
                  <button className="danger" onClick={() => revoke(t)} aria-label={`Revoke ${t.name}`}>Revoke</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!canOperate(session) ? (
        <p className="muted">Viewers sign in to read; operators and admins create API tokens.</p>
      ) : (
      <form onSubmit={create} noValidate className="card inline-form" aria-label="Create an API token">
        <h3>Create a token</h3>
        <div className="grid">
          <Field label="Name" error={fieldErr.name}>
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label="Expires after (days; empty: never)" error={fieldErr.days}>
            {(p) => <input {...p} type="number" min={1} value={days} onChange={(e) => setDays(e.target.value)} />}
          </Field>
        </div>
        <div className="actions">
          <button type="submit" className="primary">Create token</button>
        </div>
      </form>
      )}
    </section>
  );
}

function Server() {
  const [health, setHealth] = useState<{ status: string; version: string } | null>(null);
  const [providers, setProviders] = useState<{ oidc: { issuer: string } | null } | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    Promise.all([api<{ status: string; version: string }>("GET", "/health"), api<{ oidc: { issuer: string } | null }>("GET", "/auth/providers")])
      .then(([h, p]) => {
        setHealth(h);
        setProviders(p);
      })
      .catch((e) => setError(errorText(e)));
  }, []);
  return (
    <section aria-labelledby="server-title">
      <h2 id="server-title">Server</h2>
      {error && <p className="error" role="alert">{error}</p>}
      {health && (
        <dl className="facts">
          <div>
            <dt>Health</dt>
            <dd>
              <span className={`badge ${health.status === "ok" ? "good" : "bad"}`}>{health.status}</span>
            </dd>
          </div>
          <div>
            <dt>Version</dt>
            <dd>ferry {health.version}</dd>
          </div>
          <div>
            <dt>Sign-in</dt>
            <dd>local users{providers?.oidc && <>, OpenID Connect ({providers.oidc.issuer})</>}</dd>
          </div>
          <div>
            <dt>API</dt>
            <dd>
              <a href="/api/v1/openapi.json">OpenAPI document</a> · metrics at <code>/metrics</code>
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}

export function AdminPage({ tab }: { tab: Tab }) {
  const tabs: [Tab, string][] = [
    ["credentials", "Credentials"],
    ["users", "Users"],
    ["tokens", "API tokens"],
    ["server", "Server"],
  ];
  return (
    <main id="main" className="page">
      <h1>Administration</h1>
      <nav className="tabs" aria-label="Administration">
        {tabs.map(([t, label]) => (
          <Link key={t} href={`/admin/${t}`} aria-current={tab === t ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      {tab === "credentials" && <Credentials />}
      {tab === "users" && <Users />}
      {tab === "tokens" && <Tokens />}
      {tab === "server" && <Server />}
    </main>
  );
}
