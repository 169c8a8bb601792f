import { useEffect, useRef, type ReactElement } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Aligned } from "./series";

const COLORS = ["#3558d6", "#c62f2f", "#1f8a4c", "#b7791f", "#7b3fb5", "#0f7f8c"];

/** A loss-over-steps chart (uPlot); one line per labelled series. */
export function LossChart({ data, labels, height = 240, title }: { data: Aligned; labels: string[]; height?: number; title: string }): ReactElement {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = labels.join("\u0000");

  // (Re)create the chart when the set of series changes.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth || 640),
      height,
      scales: { x: { time: false } },
      axes: [{ label: "step" }, { label: "loss" }],
      series: [{ label: "step" }, ...labels.map((l, i) => ({ label: l, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true }))],
      legend: { show: true },
    };
    plot.current = new uPlot(opts, data as uPlot.AlignedData, el);
    const onResize = () => plot.current?.setSize({ width: Math.max(320, el.clientWidth), height });
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      plot.current?.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- data updates go through setData below
  }, [shape, height]);

  // Live updates: new points without rebuilding the chart.
  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return <div ref={box} className="loss-chart" role="img" aria-label={title} data-points={data[0].length} />;
}
