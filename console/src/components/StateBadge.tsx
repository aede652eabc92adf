const tone: Record<string, string> = {
  Created: "neutral",
  Running: "info",
  Waiting: "neutral",
  Completed: "good",
  Stopped: "warn",
  Failed: "bad",
};

export function StateBadge({ state, small }: { state: string; small?: boolean }) {
  return <span className={`badge ${tone[state] ?? "neutral"}${small ? " small" : ""}`}>{state}</span>;
}
