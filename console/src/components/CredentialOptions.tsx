import type { Credential } from "../api";

// The choices of a stored-credential picker: "none" first (what it means depends on
// the side: the server's own credentials for S3, anonymous for a registry), then
// every stored credential by name.
export function CredentialOptions({ none, credentials }: { none: string; credentials: Credential[] }) {
  return (
    <>
      <option value="">{none}</option>
      {credentials.map((c) => (
        <option key={c.name} value={c.name}>
          {c.name}
        </option>
      ))}
    </>
  );
}
