/** Loss over steps as a small SVG line chart (raw points faint, smoothed line on top). */
export function LossPlot({
  points,
  smoothed,
  totalSteps,
}: {
  points: readonly { step: number; loss: number }[];
  smoothed?: readonly { step: number; loss: number }[];
  totalSteps: number;
}) {
  const width = 480;
  const height = 160;
  const pad = 32;
  if (points.length === 0) {
    return <p className="muted">The loss plot appears with the first training step.</p>;
  }
  const all = [...points, ...(smoothed ?? [])];
  // The data's own range: diffusion losses wander around a level, and from zero they look flat.
  const high = Math.max(...all.map((p) => p.loss));
  const low = Math.min(...all.map((p) => p.loss));
  const margin = (high - low) * 0.1 || Math.abs(high) * 0.05 || 0.5;
  const maxLoss = high + margin;
  const minLoss = Math.max(0, low - margin);
  const span = maxLoss - minLoss || 1;
  const x = (step: number) => pad + (step / Math.max(1, totalSteps)) * (width - pad - 8);
  const y = (loss: number) => 8 + (1 - (loss - minLoss) / span) * (height - pad - 8);
  const line = (pts: readonly { step: number; loss: number }[]) =>
    pts.map((p) => `${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' ');
  const last = points.at(-1)!;
  return (
    <svg
      className="loss-plot"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Training loss: ${points.length} points, latest ${last.loss.toFixed(4)} at step ${last.step}`}
    >
      <line x1={pad} y1={height - pad} x2={width - 8} y2={height - pad} stroke="#555" />
      <line x1={pad} y1={8} x2={pad} y2={height - pad} stroke="#555" />
      <text x={4} y={14} fill="#9a9ca5" fontSize={10}>
        {maxLoss.toFixed(3)}
      </text>
      <text x={4} y={height - pad} fill="#9a9ca5" fontSize={10}>
        {minLoss.toFixed(3)}
      </text>
      <text x={width - 8} y={height - 8} fill="#9a9ca5" fontSize={10} textAnchor="end">
        step {totalSteps}
      </text>
      <text x={pad} y={height - 8} fill="#9a9ca5" fontSize={10}>
        0
      </text>
      <polyline points={line(points)} fill="none" stroke="#7aa2ff" strokeOpacity={0.4} strokeWidth={1} />
      {smoothed && smoothed.length > 1 && (
        <polyline points={line(smoothed)} fill="none" stroke="#ffb86b" strokeWidth={2} />
      )}
    </svg>
  );
}
