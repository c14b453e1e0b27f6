//! Imports that outlive their request. Committing a large file takes longer
//! than a browser or an API client should wait, so the commit runs as a task
//! and its progress is kept here: the page polls it, the API answers 202 with
//! the job's address. Jobs live in this process's memory (an import runs where
//! it was started) for an hour after they end; what they wrote is in the
//! database and the audit log either way.

use crate::imports::service::{self as import, ImportReport, Prepared};
use crate::service::ServiceError;
use kopru_domain::Principal;
use kopru_store::audit::Actor;
use kopru_store::Store;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Finished jobs are forgotten after this long, and beyond this many.
const KEEP_FOR: Duration = Duration::from_secs(3600);
const KEEP_AT_MOST: usize = 50;

#[derive(Clone)]
pub enum JobState {
    Running {
        rows_done: usize,
    },
    Done(Arc<ImportReport>),
    /// Why it failed, in the language of the user who started it.
    Failed(String),
}

pub struct ImportJob {
    pub id: String,
    /// Only the user who started a job may see it.
    pub user_id: String,
    pub file_name: String,
    /// Rows the store checks and writes (those that passed validation).
    pub rows_total: usize,
    /// The upload it came from, when started from the page.
    pub upload_id: Option<String>,
    state: watch::Sender<JobState>,
    ended: Mutex<Option<Instant>>,
}

impl ImportJob {
    pub fn state(&self) -> JobState {
        self.state.borrow().clone()
    }

    /// Waits up to `wait` for the job to end; true if it has. A zero wait is
    /// "do not wait": false whatever the state.
    pub async fn ended_within(&self, wait: Duration) -> bool {
        if wait.is_zero() {
            return false;
        }
        let mut rx = self.state.subscribe();
        tokio::time::timeout(
            wait,
            rx.wait_for(|s| !matches!(s, JobState::Running { .. })),
        )
        .await
        .is_ok_and(|r| r.is_ok())
    }

    fn end(&self, state: JobState) {
        if let Ok(mut ended) = self.ended.lock() {
            *ended = Some(Instant::now());
        }
        self.state.send_replace(state);
    }
}

#[derive(Clone, Default)]
pub struct ImportJobs(Arc<Mutex<Vec<Arc<ImportJob>>>>);

impl ImportJobs {
    /// Starts committing `prepared` in a task of its own.
    pub fn start(
        &self,
        store: Store,
        actor: Actor,
        by: Principal,
        prepared: Prepared,
        upload_id: Option<String>,
    ) -> Arc<ImportJob> {
        let job = Arc::new(ImportJob {
            id: kopru_store::new_id(),
            user_id: by.user_id.clone(),
            file_name: prepared.file_name().to_owned(),
            rows_total: prepared.rows_to_write(),
            upload_id,
            state: watch::channel(JobState::Running { rows_done: 0 }).0,
            ended: Mutex::new(None),
        });
        self.keep(job.clone());
        let tr = prepared.tr();
        let running = job.clone();
        let task = tokio::spawn(async move {
            let progress = |rows_done| {
                running.state.send_replace(JobState::Running { rows_done });
            };
            match import::commit(&store, &actor, &by, prepared, &progress).await {
                Ok(report) => running.end(JobState::Done(Arc::new(report))),
                Err(e) => running.end(JobState::Failed(failure_message(tr, &e))),
            }
        });
        // A task that panicked must not leave its job "running" for ever.
        let watched = job.clone();
        tokio::spawn(async move {
            if task.await.is_err() {
                watched.end(JobState::Failed(tr.t("problem-internal")));
            }
        });
        job
    }

    /// The job `id` if `user_id` started it.
    pub fn get(&self, id: &str, user_id: &str) -> Option<Arc<ImportJob>> {
        let jobs = self.0.lock().ok()?;
        jobs.iter()
            .find(|j| j.id == id && j.user_id == user_id)
            .cloned()
    }

    fn keep(&self, job: Arc<ImportJob>) {
        let Ok(mut jobs) = self.0.lock() else {
            return;
        };
        let now = Instant::now();
        jobs.retain(|j| {
            j.ended
                .lock()
                .ok()
                .and_then(|e| *e)
                .is_none_or(|t| now.duration_since(t) < KEEP_FOR)
        });
        // Beyond the cap, the oldest finished jobs go first; running ones stay.
        while jobs.len() >= KEEP_AT_MOST {
            let Some(i) = jobs
                .iter()
                .position(|j| !matches!(*j.state.borrow(), JobState::Running { .. }))
            else {
                break;
            };
            jobs.remove(i);
        }
        jobs.push(job);
    }
}

fn failure_message(tr: crate::i18n::Tr, e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(v) => {
            v.0.iter()
                .map(|f| format!("{}: {}", f.field, tr.t(f.code)))
                .collect::<Vec<_>>()
                .join("; ")
        }
        ServiceError::Store(kopru_store::StoreError::Forbidden) => tr.t("problem-forbidden"),
        ServiceError::Store(kopru_store::StoreError::Invalid(v)) => {
            v.0.iter()
                .map(|f| format!("{}: {}", f.field, tr.t(f.code)))
                .collect::<Vec<_>>()
                .join("; ")
        }
        _ => tr.t("problem-internal"),
    }
}

/// A job as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportJobOut {
    pub id: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub file_name: String,
    /// Rows checked and written so far, of `rows_total` (the rows that passed validation).
    pub rows_done: usize,
    pub rows_total: usize,
    /// The full report, once done.
    pub report: Option<ImportReport>,
    pub error: Option<String>,
}

impl ImportJobOut {
    pub fn of(job: &ImportJob) -> Self {
        let (status, rows_done, report, error) = match job.state() {
            JobState::Running { rows_done } => ("running", rows_done, None, None),
            JobState::Done(r) => ("done", job.rows_total, Some((*r).clone()), None),
            JobState::Failed(e) => ("failed", 0, None, Some(e)),
        };
        ImportJobOut {
            id: job.id.clone(),
            status: status.into(),
            file_name: job.file_name.clone(),
            rows_done,
            rows_total: job.rows_total,
            report,
            error,
        }
    }
}
