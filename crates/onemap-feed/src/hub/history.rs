//! History queries off the hub's thread: one worker (`feed-history`) with the store's reader
//! answers them in turn, so a month's figures never delay a command. The queue in front of it
//! is bounded; a query that finds it full is answered "busy" at once.

use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use onemap_core::feed::history::HistoryQuery;
use onemap_core::feed::policy::redact;
use onemap_core::feed::wire::{HistoryAnswer, HistoryBody};
use onemap_core::feed::{Envelope, RequestId, ServerEvent};

use crate::clock::Clock;
use crate::queue::ClientQueue;
use crate::store::{HistoryReader, answer};

/// Queries waiting for the worker, at most.
pub const HISTORY_QUEUE: usize = 32;

struct Job {
    queue: Arc<ClientQueue>,
    request_id: RequestId,
    query: HistoryQuery,
    redacted: bool,
}

pub struct HistoryDesk {
    jobs: SyncSender<Job>,
}

impl HistoryDesk {
    /// Start the worker over `reader`.
    pub fn start(mut reader: Box<dyn HistoryReader>, clock: Clock) -> std::io::Result<HistoryDesk> {
        let (jobs, rx) = sync_channel::<Job>(HISTORY_QUEUE);
        std::thread::Builder::new()
            .name("feed-history".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    let body = answer(reader.as_mut(), &job.query);
                    reply(&job.queue, &clock, job.request_id, body, job.redacted);
                }
            })?;
        Ok(HistoryDesk { jobs })
    }

    /// Hand a query to the worker; answered "busy" now if too many wait.
    pub fn ask(
        &self,
        queue: &Arc<ClientQueue>,
        clock: &Clock,
        request_id: RequestId,
        query: HistoryQuery,
        redacted: bool,
    ) {
        let job = Job {
            queue: queue.clone(),
            request_id,
            query,
            redacted,
        };
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) => {
                let body = HistoryBody::Failed {
                    code: "busy".into(),
                    message: format!(
                        "{HISTORY_QUEUE} history queries are waiting; ask again shortly"
                    ),
                };
                reply(&job.queue, clock, job.request_id, body, false);
            }
        }
    }
}

fn reply(
    queue: &ClientQueue,
    clock: &Clock,
    request_id: RequestId,
    body: HistoryBody,
    redacted: bool,
) {
    let mut event = ServerEvent::History(HistoryAnswer { request_id, body });
    if redacted && let Some(r) = redact(&event) {
        event = r;
    }
    // Answers are not state: seq 0, as a client's resume point is never an answer's.
    queue.push(Envelope::new(0, clock.now_ms(), event));
}
