// A line chart in SVG: one series over time, with its axes labelled. No library:
// the console's script stays small and the CSP needs no exception.
import { useState } from "react";
import { utcText } from "../format";

export interface ChartPoint {
  t: number; // ms since the epoch
  v: number;
}

// A round number at or above v: 1, 2 or 5 times a power of ten.
function niceCeil(v: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function LineChart({
  title,
  points,
  format,
  color = "#0f62c6",
  ended,
}: {
  title: string;
  points: ChartPoint[];
  format: (v: number) => string;
  color?: string;
  ended?: boolean;
}) {
  const [hover, setHover] = useState<number | null>(null);
  const W = 560, H = 200, L = 70, R = 12, T = 12, B = 28;
  if (points.length < 2) {
    return (
      <figure className="chart">
        <figcaption>{title}</figcaption>
        <p className="muted">
          {ended
            ? "The run was over before a second point was recorded: nothing to chart."
            : "Not enough points yet: the server records one every few seconds."}
        </p>
      </figure>
    );
  }
  const t0 = points[0].t;
  const t1 = Math.max(points[points.length - 1].t, t0 + 1);
  const peak = Math.max(...points.map((p) => p.v));
  if (peak <= 0) {
    return (
      <figure className="chart">
        <figcaption>{title}</figcaption>
        <p className="muted">Nothing was copied in this run: the rate stayed at zero.</p>
      </figure>
    );
  }
  const vmax = niceCeil(peak * 1.05);
  const x = (t: number) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v: number) => T + (1 - v / vmax) * (H - T - B);
  const d = points.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
  const area = `${d}L${x(t1).toFixed(1)},${y(0)}L${x(t0).toFixed(1)},${y(0)}Z`;
  const ticks = [0, 0.5, 1].map((f) => f * vmax);
  const seconds = (t1 - t0) / 1000;
  const mean = points.slice(1).reduce((s, p) => s + p.v, 0) / (points.length - 1);
  const h = hover === null ? null : points[hover];
  return (
    <figure className="chart">
      <figcaption>
        {title}{" "}
        <span className="muted small">
          peak {format(peak)} · mean {format(mean)}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${title}: ${points.length} points over ${Math.round(seconds)} s, peak ${format(peak)}, mean ${format(mean)}`}
        onMouseLeave={() => setHover(null)}
        onMouseMove={(e) => {
          const box = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
          const tx = t0 + (((e.clientX - box.left) / box.width) * W - L) / (W - L - R) * (t1 - t0);
          let best = 0;
          points.forEach((p, i) => {
            if (Math.abs(p.t - tx) < Math.abs(points[best].t - tx)) best = i;
          });
          setHover(best);
        }}
      >
        {ticks.map((v) => (
          <g key={v}>
            <line x1={L} x2={W - R} y1={y(v)} y2={y(v)} className="grid" />
            <text x={L - 6} y={y(v) + 4} textAnchor="end" className="axis">
              {format(v)}
            </text>
          </g>
        ))}
        <text x={L} y={H - 8} className="axis">
          0 s
        </text>
        <text x={W - R} y={H - 8} textAnchor="end" className="axis">
          {Math.round(seconds)} s
        </text>
        <path d={area} fill={color} opacity="0.12" />
        <path d={d} fill="none" stroke={color} strokeWidth="2" />
        {h && (
          <g>
            <line x1={x(h.t)} x2={x(h.t)} y1={T} y2={H - B} className="cursor" />
            <circle cx={x(h.t)} cy={y(h.v)} r="4" fill={color} />
          </g>
        )}
      </svg>
      <p className="chart-readout small" aria-live="off">
        {h ? `${format(h.v)} at ${new Date(h.t).toLocaleTimeString()} (${utcText(h.t)})` : "\u00a0"}
      </p>
    </figure>
  );
}
