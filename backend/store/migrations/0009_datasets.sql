-- Datasets, second part: a version records the job that built it
-- (dataset_versions.job_id, set from jobs.IDFrom since this change). Index it
-- so "which version did job N build" is a lookup, and so deleting a job
-- (ON DELETE SET NULL) does not scan every version.
CREATE INDEX dataset_versions_job ON dataset_versions(job_id) WHERE job_id IS NOT NULL;
