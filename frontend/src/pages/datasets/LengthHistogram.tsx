import { useEffect, useRef, type ReactElement } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** Bin starts and counts as the two series uPlot draws. */
export function histogramSeries(binWidth: number, counts: number[]): [number[], number[]] {
  return [counts.map((_, i) => i * binWidth), counts.slice()];
}

/** A bar chart of answer lengths (characters), drawn with uPlot. */
export function LengthHistogram({ binWidth, counts }: { binWidth: number; counts: number[] }): ReactElement {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = el.current;
    if (!node || counts.length === 0) return;
    const bars = uPlot.paths.bars?.({ size: [0.9, 40], align: 1 });
    const plot = new uPlot(
      {
        width: Math.max(280, node.clientWidth || 480),
        height: 160,
        legend: { show: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: { x: { time: false } },
        axes: [
          { label: "answer length (characters)", size: 40, values: (_u, vals) => vals.map((v) => String(v)) },
          { label: "samples", size: 50 },
        ],
        series: [{}, { label: "samples", fill: "rgba(74,108,247,0.5)", stroke: "#4a6cf7", paths: bars, points: { show: false } }],
      },
      histogramSeries(binWidth, counts),
      node,
    );
    return () => plot.destroy();
  }, [binWidth, counts]);
  return <div ref={el} className="histogram" aria-label="Answer length histogram" role="img" />;
}
