import { createContext, useContext, useEffect, useState, type ReactElement, type ReactNode } from "react";
import { listJobs, subscribeJobs, type Job } from "../api";

interface JobsState {
  jobs: Job[];
  error: string | null;
  /** Adds or replaces a job (e.g. the one a POST just returned). */
  upsert: (j: Job) => void;
}

const Ctx = createContext<JobsState>({ jobs: [], error: null, upsert: () => {} });

export function mergeJob(list: Job[], j: Job): Job[] {
  const i = list.findIndex((x) => x.id === j.id);
  if (i === -1) return [j, ...list].sort((a, b) => b.id - a.id);
  const old = list[i];
  // Compare instants, not strings: the server's RFC 3339 times drop trailing
  // zeros ("…05.1Z" is 100 ms, before "…05.123Z", but sorts after it).
  if (old && Date.parse(old.updated_at) > Date.parse(j.updated_at)) return list;
  const next = list.slice();
  next[i] = j;
  return next;
}

/** Keeps one live list of jobs for the whole window (one SSE stream). */
export function JobsProvider({ children }: { children: ReactNode }): ReactElement {
  const [jobs, setJobs] = useState<Job[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    listJobs()
      .then((js) => alive && setJobs((cur) => js.reduce(mergeJob, cur)))
      .catch((e: unknown) => alive && setError(String(e instanceof Error ? e.message : e)));
    const unsub = subscribeJobs((j) => setJobs((cur) => mergeJob(cur, j)));
    return () => {
      alive = false;
      unsub();
    };
  }, []);
  const upsert = (j: Job) => setJobs((cur) => mergeJob(cur, j));
  return <Ctx.Provider value={{ jobs, error, upsert }}>{children}</Ctx.Provider>;
}

export const useJobs = () => useContext(Ctx);
